package discovery

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"
	"sync"
	"unicode"

	"github.com/annexa-dev/annexa/catalogs"
)

// SaaSProduct is a SaaS product with AI features, from catalogs/discovery/saas.json.
type SaaSProduct struct {
	ID                   string   `json:"id"`
	Name                 string   `json:"name"`
	Vendor               string   `json:"vendor"`
	Domains              []string `json:"domains"`
	Aliases              []string `json:"aliases"`
	Category             string   `json:"category"`
	AIFeatures           string   `json:"ai_features"`
	AnnexIII             []string `json:"annex_iii"`
	LikelyRole           string   `json:"likely_role"`
	TransparencyRelevant bool     `json:"transparency_relevant"`
}

// SaaSCatalog indexes the SaaS products by domain and by normalised name.
type SaaSCatalog struct {
	DataVersion int           `json:"data_version"`
	AsOf        string        `json:"as_of"`
	Products    []SaaSProduct `json:"products"`

	byDomain map[string]*SaaSProduct
	byName   map[string]*SaaSProduct
	byVendor map[string]*SaaSProduct // only vendors with a single product: others are ambiguous
}

var (
	saasOnce sync.Once
	saasCat  *SaaSCatalog
	saasErr  error
)

// DefaultSaaSCatalog returns the catalogue embedded as catalogs/discovery/saas.json.
func DefaultSaaSCatalog() (*SaaSCatalog, error) {
	saasOnce.Do(func() {
		data, err := fs.ReadFile(catalogs.FS, "discovery/saas.json")
		if err != nil {
			saasErr = fmt.Errorf("discovery: read SaaS catalogue: %w", err)
			return
		}
		saasCat, saasErr = ParseSaaSCatalog(data)
	})
	return saasCat, saasErr
}

// ParseSaaSCatalog reads and validates a SaaS catalogue.
func ParseSaaSCatalog(data []byte) (*SaaSCatalog, error) {
	var c SaaSCatalog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("discovery: SaaS catalogue: %w", jsonErrorDetail(data, err))
	}
	c.byDomain, c.byName, c.byVendor = map[string]*SaaSProduct{}, map[string]*SaaSProduct{}, map[string]*SaaSProduct{}
	vendorCount := map[string]int{}
	var errs []string
	ids := map[string]bool{}
	for i := range c.Products {
		p := &c.Products[i]
		if p.ID == "" || p.Name == "" || p.AIFeatures == "" || p.LikelyRole == "" {
			errs = append(errs, fmt.Sprintf("product %d (%q) needs id, name, ai_features and likely_role", i, p.ID))
		}
		if ids[p.ID] {
			errs = append(errs, "product "+p.ID+" listed twice")
		}
		ids[p.ID] = true
		for _, a := range p.AnnexIII {
			if !strings.HasPrefix(a, "AnnexIII.") {
				errs = append(errs, p.ID+": annex_iii id "+a+" must look like AnnexIII.4(a)")
			}
		}
		for _, d := range p.Domains {
			d = strings.ToLower(d)
			if other, dup := c.byDomain[d]; dup {
				errs = append(errs, "domain "+d+" of "+p.ID+" already belongs to "+other.ID)
			}
			c.byDomain[d] = p
		}
		for _, n := range append([]string{p.Name}, p.Aliases...) {
			if k := normaliseAppName(n); k != "" {
				if _, dup := c.byName[k]; !dup {
					c.byName[k] = p
				}
			}
		}
	}
	for i := range c.Products {
		vendorCount[normaliseAppName(c.Products[i].Vendor)]++
	}
	for i := range c.Products {
		if v := normaliseAppName(c.Products[i].Vendor); v != "" && vendorCount[v] == 1 {
			c.byVendor[v] = &c.Products[i]
		}
	}
	if len(errs) > 0 {
		return nil, errors.New("discovery: invalid SaaS catalogue: " + strings.Join(errs, "; "))
	}
	return &c, nil
}

// normaliseAppName folds case, punctuation and the suffixes SSO exports add ("Zoom SSO",
// "Slack - Production") so that names from different exports meet.
func normaliseAppName(s string) string {
	s = strings.ToLower(s)
	if i := strings.IndexAny(s, "(["); i > 0 {
		s = s[:i]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	for len(words) > 1 {
		last := words[len(words)-1]
		if last == "sso" || last == "saml" || last == "oidc" || last == "app" || last == "prod" || last == "production" || last == "inc" || last == "ltd" || last == "gmbh" {
			words = words[:len(words)-1]
			continue
		}
		break
	}
	return strings.Join(words, " ")
}

// lookupDomain finds a product by a domain or any of its parent domains.
func (c *SaaSCatalog) lookupDomain(d string) (*SaaSProduct, bool) {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if strings.Contains(d, "://") {
		if u, err := url.Parse(d); err == nil {
			d = u.Hostname()
		}
	}
	d, _, _ = strings.Cut(d, "/")
	d = strings.TrimPrefix(d, "www.")
	for d != "" {
		if p, ok := c.byDomain[d]; ok {
			return p, true
		}
		_, rest, ok := strings.Cut(d, ".")
		if !ok || !strings.Contains(rest, ".") {
			break
		}
		d = rest
	}
	return nil, false
}

// SaaSResult is what a SaaS application list import yields.
type SaaSResult struct {
	Rows       int         `json:"rows"`
	Matched    int         `json:"matched"`
	Candidates []Candidate `json:"candidates"`
	Warnings   []Warning   `json:"warnings"`
}

// Header names seen in SSO (Okta, Entra ID, Google Workspace) and expense (Ramp, Brex,
// Expensify) exports, folded by normaliseHeader.
var (
	nameHeaders   = []string{"name", "app", "application", "app name", "application name", "application label", "app label", "display name", "appname", "product", "service", "merchant", "merchant name", "vendor name", "label", "software"}
	domainHeaders = []string{"domain", "url", "website", "homepage", "sign on url", "login url", "app url", "application url", "site", "hostname", "host", "merchant domain", "web address"}
	vendorHeaders = []string{"vendor", "publisher", "company", "supplier", "manufacturer", "provider"}
)

func normaliseHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	return strings.Join(strings.Fields(strings.ToLower(strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(h))), " ")
}

func findColumn(header []string, names []string) int {
	for _, want := range names {
		for i, h := range header {
			if normaliseHeader(h) == want {
				return i
			}
		}
	}
	return -1
}

// ParseSaaSList reads a CSV of applications (a header row naming at least a name or a domain
// column) and matches each row against the catalogue: by domain first, then by normalised name.
// name labels findings (usually the file name). Rows that cannot be read become warnings.
func ParseSaaSList(cat *SaaSCatalog, name string, r io.Reader) (SaaSResult, error) {
	if cat == nil {
		var err error
		if cat, err = DefaultSaaSCatalog(); err != nil {
			return SaaSResult{}, err
		}
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return SaaSResult{}, fmt.Errorf("%s: no header row: %w", name, err)
	}
	nameCol, domainCol, vendorCol := findColumn(header, nameHeaders), findColumn(header, domainHeaders), findColumn(header, vendorHeaders)
	if nameCol < 0 && domainCol < 0 {
		return SaaSResult{}, fmt.Errorf("%s: header row %q has no name or domain column", name, strings.Join(header, ","))
	}
	res := SaaSResult{}
	byProduct := map[string]*Candidate{}
	var order []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.Warnings = append(res.Warnings, Warning{Path: name, Line: pe.Line, Column: pe.Column, Message: "row skipped: " + pe.Err.Error()})
				continue
			}
			return res, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		res.Rows++
		field := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		appName, domain, vendor := field(nameCol), field(domainCol), field(vendorCol)
		if appName == "" && domain == "" {
			continue
		}
		p, how := (*SaaSProduct)(nil), ""
		if domain != "" {
			if q, ok := cat.lookupDomain(domain); ok {
				p, how = q, "domain "+domain
			}
		}
		if p == nil && appName != "" {
			if q, ok := cat.byName[normaliseAppName(appName)]; ok {
				p, how = q, "name "+appName
			}
		}
		if p == nil {
			// Expense exports often name the company ("Notion Labs") rather than the product.
			for _, v := range []string{appName, vendor} {
				if q, ok := cat.byVendor[normaliseAppName(v)]; ok && v != "" {
					p, how = q, "vendor "+v
					break
				}
			}
		}
		if p == nil {
			continue
		}
		res.Matched++
		ev := Finding{Path: name, Line: line, Kind: KindSaaSApp, Technology: "saas:" + p.ID,
			Evidence: clip(joinNonEmpty(" ", appName, paren(domain), paren(vendor)) + " matched by " + how), Confidence: ConfidenceHigh}
		if !strings.HasPrefix(how, "domain ") {
			ev.Confidence = ConfidenceMedium
		}
		if c, ok := byProduct[p.ID]; ok {
			if len(c.Evidence) < maxEvidence {
				c.Evidence = append(c.Evidence, ev)
			}
			if ev.Confidence.rank() > c.Confidence.rank() {
				c.Confidence = ev.Confidence
			}
			continue
		}
		byProduct[p.ID] = &Candidate{
			Fingerprint:       fingerprint(SourceSaaS, p.ID),
			Name:              p.Name,
			Source:            SourceSaaS,
			Location:          name,
			Technologies:      []string{"saas:" + p.ID},
			Vendor:            p.Vendor,
			SuggestedSourcing: SourcingThirdParty,
			Confidence:        ev.Confidence,
			Purpose:           p.AIFeatures,
			AnnexIII:          p.AnnexIII,
			LikelyRole:        p.LikelyRole,
			Evidence:          []Finding{ev},
		}
		order = append(order, p.ID)
	}
	for _, id := range order {
		res.Candidates = append(res.Candidates, *byProduct[id])
	}
	return res, nil
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
