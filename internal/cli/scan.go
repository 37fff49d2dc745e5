package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/annexa-dev/annexa/internal/inventory"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store"
)

// scanOutput is what `annexa scan --format json` prints: the findings and the candidate systems
// grouped by service directory. Warnings go to standard error, so the JSON stays clean for pipes.
type scanOutput struct {
	Findings []discovery.Finding   `json:"findings"`
	Systems  []discovery.Candidate `json:"systems"`
}

// scanProgress shows the files scanned as a spinner with a count: the total is unknown until
// the walk ends, and walking twice to learn it would double the work.
type scanProgress struct{ bar *progressbar.ProgressBar }

func (p scanProgress) Scanned(files int, _ int64) { _ = p.bar.Add(files) }

// isTerminal reports whether w is a terminal, where a progress bar helps; in a pipe or a CI log
// it would only be noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (e *env) scanCmd() *cobra.Command {
	var format, name, server, token string
	var submit bool
	var workers int
	cmd := &cobra.Command{
		Use:   "scan PATH",
		Short: "Find AI in a source tree: libraries, imports, model files, AI hosts and credentials",
		Long: `Scan walks a source tree and reports AI use: dependency manifests, imports, notebooks, AI
service hosts and credential names, and model files. It prints findings and one candidate system
per service directory. With --submit the candidates go to a running Annexa's review queue.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "json" && format != "table" && format != "cyclonedx" {
				return fmt.Errorf("--format must be table, json or cyclonedx")
			}
			var submitTo *submitTarget
			if submit {
				t, err := submitTargetFrom(server, token)
				if err != nil {
					return err
				}
				submitTo = &t
			}
			opts := discovery.Options{Name: name, Workers: workers}
			var bar *progressbar.ProgressBar
			if isTerminal(e.stderr) {
				bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription("scanning"),
					progressbar.OptionShowCount(), progressbar.OptionSetItsString("files"), progressbar.OptionShowIts(),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(), progressbar.OptionSpinnerType(14))
				opts.Progress = scanProgress{bar}
			}
			rep, err := discovery.Scan(cmd.Context(), args[0], opts)
			if bar != nil {
				_ = bar.Finish()
			}
			if err != nil {
				return err
			}
			for _, w := range rep.Warnings {
				fmt.Fprintln(e.stderr, "warning: "+w.String())
			}
			if err := e.printScan(format, rep); err != nil {
				return err
			}
			if submitTo == nil {
				return nil
			}
			if len(rep.Systems) == 0 {
				fmt.Fprintln(e.stderr, "nothing to submit: no AI found")
				return nil
			}
			res, err := submitTo.submit(cmd.Context(), discovery.Submission{Systems: rep.Systems})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "submitted %d candidates to %s: %d new, %d updated, %d already decided\n",
				len(res.Items), submitTo.server, res.Created, res.Updated, res.Remembered)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "table", "output format: table, json, or cyclonedx (a CycloneDX 1.6 ML-BOM of the candidate systems)")
	f.StringVar(&name, "name", "", "repository name for candidate names and fingerprints (default: the directory's name); keep it stable across checkouts")
	f.IntVar(&workers, "workers", 0, "goroutines that walk and read (default: one per CPU)")
	f.BoolVar(&submit, "submit", false, "send the candidates to a running Annexa's review queue")
	f.StringVar(&server, "server", "", "Annexa's base URL for --submit, e.g. https://annexa.example.org (env ANNEXA_SERVER)")
	f.StringVar(&token, "token", "", "API token for --submit (env ANNEXA_TOKEN or ANNEXA_TOKEN_FILE; prefer those: flags show in ps)")
	return cmd
}

func (e *env) printScan(format string, rep discovery.Report) error {
	if format == "cyclonedx" {
		return inventory.WriteMLBOM(e.stdout, scanBOM(rep, time.Now()))
	}
	if format == "json" {
		out := scanOutput{Findings: rep.Findings, Systems: rep.Systems}
		if out.Findings == nil {
			out.Findings = []discovery.Finding{}
		}
		if out.Systems == nil {
			out.Systems = []discovery.Candidate{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOCATION\tKIND\tTECHNOLOGY\tCONFIDENCE\tEVIDENCE")
	for _, f := range rep.Findings {
		loc := f.Path
		if f.Line > 0 {
			loc += fmt.Sprintf(":%d", f.Line)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", loc, f.Kind, f.Technology, f.Confidence, f.Evidence)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%d findings in %d files scanned; %d candidate systems:\n", len(rep.Findings), rep.Stats.Files, len(rep.Systems))
	tw = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SYSTEM\tLOCATION\tCONFIDENCE\tTECHNOLOGIES")
	for _, s := range rep.Systems {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Location, s.Confidence, strings.Join(s.Technologies, ", "))
	}
	return tw.Flush()
}

// submitTarget is a running Annexa and the token to reach it with.
type submitTarget struct {
	server, token string
	client        *http.Client
}

// submitTargetFrom resolves --server and --token, then ANNEXA_SERVER, ANNEXA_TOKEN and the
// file named by ANNEXA_TOKEN_FILE (a secret mount in CI).
func submitTargetFrom(server, token string) (submitTarget, error) {
	if server == "" {
		server = os.Getenv("ANNEXA_SERVER")
	}
	if server == "" {
		return submitTarget{}, fmt.Errorf("--submit needs --server (or ANNEXA_SERVER): the base URL of a running Annexa")
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return submitTarget{}, fmt.Errorf("--server must be an http:// or https:// URL, not %q", server)
	}
	if token == "" {
		token = os.Getenv("ANNEXA_TOKEN")
	}
	if token == "" {
		if f := os.Getenv("ANNEXA_TOKEN_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return submitTarget{}, fmt.Errorf("read ANNEXA_TOKEN_FILE: %w", err)
			}
			token = strings.TrimSpace(string(b))
		}
	}
	if token == "" {
		return submitTarget{}, fmt.Errorf("--submit needs an API token: --token, ANNEXA_TOKEN or ANNEXA_TOKEN_FILE (create one with annexa token create)")
	}
	return submitTarget{server: strings.TrimRight(server, "/"), token: token, client: &http.Client{Timeout: 2 * time.Minute}}, nil
}

func (t submitTarget) submit(ctx context.Context, sub discovery.Submission) (discovery.SubmitResult, error) {
	var res discovery.SubmitResult
	body, err := json.Marshal(sub)
	if err != nil {
		return res, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.server+"/api/v1/discovery/submissions", bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := t.client.Do(req)
	if err != nil {
		return res, fmt.Errorf("submit to %s: %w", t.server, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return res, fmt.Errorf("submit to %s: %w", t.server, err)
	}
	if resp.StatusCode != http.StatusOK {
		var p struct {
			Detail string `json:"detail"`
			Errors []struct {
				Field, Message string
			} `json:"errors"`
		}
		if json.Unmarshal(data, &p) != nil || p.Detail == "" {
			return res, fmt.Errorf("submit to %s: %s", t.server, resp.Status)
		}
		msg := p.Detail
		for _, fe := range p.Errors {
			msg += "; " + fe.Field + " " + fe.Message
		}
		return res, fmt.Errorf("submit to %s: %s (%s)", t.server, msg, resp.Status)
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return res, fmt.Errorf("submit to %s: unexpected answer: %w", t.server, err)
	}
	return res, nil
}

func (e *env) discoverCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "discover", Short: "Feed the discovery review queue from SBOMs, SaaS application lists and egress logs"}
	var kind, orgName, logFormat, name string
	imp := &cobra.Command{
		Use:   "import --kind sbom|saas|egress FILE",
		Short: "Import a file's candidates straight into the database's review queue",
		Long: `Import parses an SBOM (CycloneDX or SPDX JSON), a SaaS application list (CSV from an SSO or
expense export) or an egress log (Squid, CSV or JSON lines) and puts its candidates into an
organisation's review queue, as the upload on the Discovery page does. Candidates already in the
queue are refreshed; dismissed ones stay dismissed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k := discovery.ImportKind(kind)
			if !k.Valid() {
				return fmt.Errorf("--kind must be sbom, saas or egress")
			}
			data, err := readImportFile(args[0], e.stdin)
			if err != nil {
				return err
			}
			label := name
			if label == "" {
				label = args[0]
			}
			im, err := discovery.ParseImport(k, label, data, logFormat)
			if err != nil {
				return importError(err)
			}
			for _, w := range im.Warnings {
				fmt.Fprintln(e.stderr, "warning: "+w.String())
			}
			return e.withDB(cmd, func(ctx context.Context, db *store.DB) error {
				o, err := pickOrg(ctx, db, orgName)
				if err != nil {
					return err
				}
				res := discovery.SubmitResult{}
				if len(im.Candidates) > 0 {
					if res, err = db.SubmitCandidates(ctx, o.ID, im.Candidates, cliActor); err != nil {
						return err
					}
				}
				fmt.Fprintf(e.stdout, "%s (%s): %d read, %d matched, %d candidates: %d new, %d updated, %d already decided\n",
					im.File, im.Format, im.Read, im.Matched, len(im.Candidates), res.Created, res.Updated, res.Remembered)
				for _, it := range res.Items {
					fmt.Fprintf(e.stdout, "  %-9s %-9s %s\n", it.Outcome, it.Status, it.Name)
				}
				return nil
			})
		},
	}
	f := imp.Flags()
	f.StringVar(&kind, "kind", "", "sbom, saas or egress (required)")
	f.StringVar(&orgName, "org", "", "organisation whose queue receives the candidates (default: the only one)")
	f.StringVar(&logFormat, "log-format", "", "egress only: squid, csv or jsonl (default: detected from the first line)")
	f.StringVar(&name, "name", "", "the file's name in evidence and messages (default: FILE as given)")
	_ = imp.MarkFlagRequired("kind")
	cmd.AddCommand(imp)
	return cmd
}

// readImportFile reads FILE, or standard input for "-", refusing what the upload would refuse.
func readImportFile(path string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, discovery.MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > discovery.MaxImportBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, discovery.MaxImportBytes>>20)
	}
	return data, nil
}

// importError prints the parser's own message (it names the file and line) rather than the
// generic summary of the invalid error.
func importError(err error) error {
	if fs := fault.Fields(err); len(fs) > 0 {
		return fmt.Errorf("%s", fs[0].Message)
	}
	return err
}

// scanBOM describes a scan's candidate systems as a CycloneDX ML-BOM, the same shape the
// register exports: each candidate an application with its models, its technologies and the
// evidence location as properties. Candidates are not classified: that is for the register.
func scanBOM(rep discovery.Report, at time.Time) *cdx.BOM {
	systems := make([]inventory.System, len(rep.Systems))
	for i, c := range rep.Systems {
		systems[i] = c.SystemInput().Apply(inventory.System{ID: c.Fingerprint})
	}
	name := rep.Root
	bom := inventory.MLBOM(systems, func(string) string { return "" }, inventory.MLBOMOptions{Organisation: "Scan of " + name, Tool: "annexa " + version(), At: at})
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		bom.Metadata.Component.Name = "AI found by annexa scan in " + name
		bom.Metadata.Component.Description = "Candidate AI systems for review; not yet in any register"
	}
	if bom.Components == nil {
		return bom
	}
	for i := range *bom.Components {
		comp := &(*bom.Components)[i]
		for _, c := range rep.Systems {
			if comp.BOMRef != "ai-system:"+c.Fingerprint {
				continue
			}
			// What the scan found inside the system: model files as models, the rest as the
			// AI libraries and services it uses.
			nested := []cdx.Component{}
			if comp.Components != nil {
				nested = *comp.Components
			}
			seen := map[string]bool{}
			for _, f := range rep.Findings {
				if !strings.HasPrefix(f.Path, c.Location) && c.Location != "" && c.Location != "." {
					continue
				}
				switch {
				case f.Kind == discovery.KindModelFile && !seen["model:"+f.Path]:
					seen["model:"+f.Path] = true
					nested = append(nested, cdx.Component{BOMRef: comp.BOMRef + ":model:" + f.Path, Type: cdx.ComponentTypeMachineLearningModel,
						Name: f.Path, Description: f.Evidence})
				case f.Kind != discovery.KindModelFile && slices.Contains(c.Technologies, f.Technology) && !seen["tech:"+f.Technology]:
					seen["tech:"+f.Technology] = true
					nested = append(nested, cdx.Component{BOMRef: comp.BOMRef + ":uses:" + f.Technology, Type: cdx.ComponentTypeLibrary,
						Name: f.Technology, Description: fmt.Sprintf("found as %s in %s:%d", f.Kind, f.Path, f.Line)})
				}
			}
			if len(nested) > 0 {
				comp.Components = &nested
			}
			props := []cdx.Property{}
			if comp.Properties != nil {
				props = *comp.Properties
			}
			props = append(props, cdx.Property{Name: inventory.PropertyPrefix + "discovery:technologies", Value: strings.Join(c.Technologies, ",")},
				cdx.Property{Name: inventory.PropertyPrefix + "discovery:location", Value: c.Location},
				cdx.Property{Name: inventory.PropertyPrefix + "discovery:confidence", Value: string(c.Confidence)})
			comp.Properties = &props
		}
	}
	return bom
}
