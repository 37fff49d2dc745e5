package discovery

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Egress log formats.
const (
	LogSquid = "squid" // Squid native access.log
	LogCSV   = "csv"   // CSV with a header row and a host or URL column
	LogJSONL = "jsonl" // one JSON object per line with a host or URL field
)

// EgressResult is the AI service usage found in an egress or proxy log: shadow AI.
type EgressResult struct {
	Format     string      `json:"format"`
	Lines      int         `json:"lines"`
	Matched    int         `json:"matched"`
	Candidates []Candidate `json:"candidates"`
	Warnings   []Warning   `json:"warnings"`
}

// maxLogWarnings bounds warnings from one log: a file in the wrong format would otherwise
// produce one per line.
const maxLogWarnings = 100

type logRecord struct {
	host, client string
	bytes        int64
}

// ParseEgressLog reads a proxy or egress log and sums requests and bytes to AI service hosts
// (the signatures' hosts) per service and client. format is LogSquid, LogCSV, LogJSONL or ""
// to detect it from the first line. name labels findings (usually the file name). Lines that
// cannot be read become warnings with their line number.
func ParseEgressLog(sigs *Signatures, name string, r io.Reader, format string) (EgressResult, error) {
	if sigs == nil {
		var err error
		if sigs, err = DefaultSignatures(); err != nil {
			return EgressResult{}, err
		}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if format == "" {
		head, _ := br.Peek(4096)
		format = detectLogFormat(head)
	}
	res := EgressResult{Format: format}
	agg := newUsageAggregator(sigs, name)
	warn := func(line int, msg string) {
		if len(res.Warnings) < maxLogWarnings {
			res.Warnings = append(res.Warnings, Warning{Path: name, Line: line, Message: msg})
		}
	}
	var err error
	switch format {
	case LogSquid, LogJSONL:
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 || line[0] == '#' {
				continue
			}
			res.Lines++
			var rec logRecord
			var perr error
			if format == LogSquid {
				rec, perr = parseSquidLine(string(line))
			} else {
				rec, perr = parseJSONLogLine(line)
			}
			if perr != nil {
				warn(n, perr.Error())
				continue
			}
			if agg.add(rec, n) {
				res.Matched++
			}
		}
		err = sc.Err()
	case LogCSV:
		err = parseCSVLog(br, &res, agg, warn)
	default:
		return res, fmt.Errorf("%s: unknown log format %q (squid, csv or jsonl)", name, format)
	}
	if err != nil {
		return res, fmt.Errorf("%s: %w", name, err)
	}
	res.Candidates = agg.candidates()
	return res, nil
}

func detectLogFormat(head []byte) string {
	first, _, _ := bytes.Cut(bytes.TrimLeft(head, " \t\r\n\ufeff"), []byte{'\n'})
	first = bytes.TrimSpace(first)
	switch {
	case bytes.HasPrefix(first, []byte("{")):
		return LogJSONL
	case bytes.Count(first, []byte(",")) >= 1 && !bytes.ContainsAny(first[:min(len(first), 20)], " \t"):
		return LogCSV
	case bytes.Count(first, []byte(",")) >= 1 && findColumn(strings.Split(string(first), ","), logHostHeaders) >= 0:
		return LogCSV
	}
	return LogSquid
}

// parseSquidLine reads Squid's native format:
// time elapsed client code/status bytes method URL user hierarchy/peer type.
func parseSquidLine(line string) (logRecord, error) {
	f := strings.Fields(line)
	if len(f) < 7 {
		return logRecord{}, errors.New("not a Squid native log line: fewer than 7 fields")
	}
	if _, err := strconv.ParseFloat(f[0], 64); err != nil {
		return logRecord{}, fmt.Errorf("not a Squid native log line: time %q", f[0])
	}
	n, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil || n < 0 {
		return logRecord{}, fmt.Errorf("not a Squid native log line: bytes %q", f[4])
	}
	rec := logRecord{host: hostOf(f[6]), client: f[2], bytes: n}
	if len(f) > 7 && f[7] != "-" {
		rec.client = f[7] + " (" + f[2] + ")"
	}
	if rec.host == "" {
		return logRecord{}, fmt.Errorf("no host in URL %q", f[6])
	}
	return rec, nil
}

// hostOf extracts the host from a URL, a CONNECT target (host:443) or a bare host.
func hostOf(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return ""
	}
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil {
			return strings.ToLower(u.Hostname())
		}
		return ""
	}
	s, _, _ = strings.Cut(s, "/")
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	return strings.ToLower(strings.Trim(s, "[]"))
}

var (
	logHostHeaders   = []string{"host", "hostname", "domain", "dest host", "destination host", "dst host", "url", "uri", "request url", "destination", "dest", "server name", "sni", "fqdn"}
	logClientHeaders = []string{"client", "client ip", "src", "src ip", "source", "source ip", "user", "username", "user name", "device", "src user", "clientip"}
	logBytesHeaders  = []string{"bytes", "bytes total", "total bytes", "size", "bytes sent", "bytes out", "sent bytes", "bytes received", "bytes in", "received bytes", "sc bytes", "cs bytes"}
)

func parseCSVLog(r io.Reader, res *EgressResult, agg *usageAggregator, warn func(int, string)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("no header row: %w", err)
	}
	hostCol := findColumn(header, logHostHeaders)
	if hostCol < 0 {
		return fmt.Errorf("header row %q has no host or URL column", strings.Join(header, ","))
	}
	clientCol, bytesCol := findColumn(header, logClientHeaders), findColumn(header, logBytesHeaders)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				warn(pe.Line, "row skipped: "+pe.Err.Error())
				continue
			}
			return err
		}
		line, _ := cr.FieldPos(0)
		res.Lines++
		get := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		lr := logRecord{host: hostOf(get(hostCol)), client: get(clientCol)}
		if b := get(bytesCol); b != "" {
			n, err := strconv.ParseInt(b, 10, 64)
			if err != nil || n < 0 {
				warn(line, fmt.Sprintf("bytes %q is not a count", b))
			} else {
				lr.bytes = n
			}
		}
		if lr.host == "" {
			warn(line, "row has no host")
			continue
		}
		if agg.add(lr, line) {
			res.Matched++
		}
	}
}

// JSON field paths for hosts, clients and sizes, including Elastic Common Schema names.
var (
	jsonHostFields   = []string{"host", "hostname", "domain", "dest_host", "destination_host", "url", "uri", "request_url", "url.domain", "url.original", "destination.domain", "server.domain", "http.request.host", "sni"}
	jsonClientFields = []string{"client", "client_ip", "src", "src_ip", "source_ip", "user", "username", "source.ip", "client.ip", "user.name", "source.user.name"}
	jsonBytesFields  = []string{"bytes", "size", "bytes_sent", "bytes_out", "sent_bytes", "bytes_received", "http.response.bytes", "network.bytes", "destination.bytes", "source.bytes"}
)

func parseJSONLogLine(line []byte) (logRecord, error) {
	var obj map[string]any
	if err := json.Unmarshal(line, &obj); err != nil {
		return logRecord{}, fmt.Errorf("invalid JSON: %v", err)
	}
	str := func(fields []string) string {
		for _, f := range fields {
			switch v := lookupPath(obj, f).(type) {
			case string:
				if v != "" {
					return v
				}
			case map[string]any:
				if f == "host" { // ECS "host" is the observer, with a name inside; not the target
					continue
				}
			}
		}
		return ""
	}
	rec := logRecord{host: hostOf(str(jsonHostFields)), client: str(jsonClientFields)}
	for _, f := range jsonBytesFields {
		switch v := lookupPath(obj, f).(type) {
		case float64:
			if v >= 0 {
				rec.bytes = int64(v)
			}
		case string:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				rec.bytes = n
			}
		default:
			continue
		}
		break
	}
	if rec.host == "" {
		return logRecord{}, errors.New("no host or URL field")
	}
	return rec, nil
}

// lookupPath reads "a.b.c" from nested objects, or a flat key that itself holds dots.
func lookupPath(obj map[string]any, path string) any {
	if v, ok := obj[path]; ok {
		return v
	}
	head, rest, ok := strings.Cut(path, ".")
	if !ok {
		return nil
	}
	if sub, ok := obj[head].(map[string]any); ok {
		return lookupPath(sub, rest)
	}
	return nil
}

type serviceUsage struct {
	usage     Usage
	hosts     map[string]*hostUsage
	clients   map[string]*ClientUsage
	firstLine int
}

type hostUsage struct {
	requests, bytes int64
	line            int
	clients         map[string]bool
}

type usageAggregator struct {
	sigs     *Signatures
	name     string
	services map[string]*serviceUsage
}

func newUsageAggregator(sigs *Signatures, name string) *usageAggregator {
	return &usageAggregator{sigs: sigs, name: name, services: map[string]*serviceUsage{}}
}

func (a *usageAggregator) add(rec logRecord, line int) bool {
	tech, ok := a.sigs.hostTechnology(rec.host)
	if !ok {
		return false
	}
	s := a.services[tech]
	if s == nil {
		s = &serviceUsage{hosts: map[string]*hostUsage{}, clients: map[string]*ClientUsage{}, firstLine: line}
		a.services[tech] = s
	}
	s.usage.Requests++
	s.usage.Bytes += rec.bytes
	h := s.hosts[rec.host]
	if h == nil {
		h = &hostUsage{line: line, clients: map[string]bool{}}
		s.hosts[rec.host] = h
	}
	h.requests++
	h.bytes += rec.bytes
	client := rec.client
	if client == "" {
		client = "unknown"
	}
	h.clients[client] = true
	c := s.clients[client]
	if c == nil {
		c = &ClientUsage{Client: client}
		s.clients[client] = c
	}
	c.Requests++
	c.Bytes += rec.bytes
	return true
}

func (a *usageAggregator) candidates() []Candidate {
	var out []Candidate
	for _, tech := range sortedKeysAny(anyMap(a.services)) {
		s := a.services[tech]
		t, _ := a.sigs.Technology(tech)
		c := Candidate{
			Fingerprint:       fingerprint(SourceEgress, tech),
			Name:              t.Name,
			Source:            SourceEgress,
			Location:          a.name,
			Technologies:      []string{tech},
			Vendor:            t.Vendor,
			SuggestedSourcing: SourcingThirdParty,
			Confidence:        ConfidenceHigh,
			Usage:             &Usage{Requests: s.usage.Requests, Bytes: s.usage.Bytes},
		}
		for _, host := range sortedKeysAny(anyMap(s.hosts)) {
			h := s.hosts[host]
			c.Usage.Hosts = append(c.Usage.Hosts, host)
			c.Evidence = append(c.Evidence, Finding{Path: a.name, Line: h.line, Kind: KindEgress, Technology: tech,
				Evidence:   fmt.Sprintf("%s: %d requests, %d bytes from %d clients", host, h.requests, h.bytes, len(h.clients)),
				Confidence: ConfidenceHigh})
		}
		for _, cu := range s.clients {
			c.Usage.Clients = append(c.Usage.Clients, *cu)
		}
		slices.SortFunc(c.Usage.Clients, func(x, y ClientUsage) int {
			if x.Requests != y.Requests {
				if x.Requests > y.Requests {
					return -1
				}
				return 1
			}
			return strings.Compare(x.Client, y.Client)
		})
		out = append(out, c)
	}
	return out
}
