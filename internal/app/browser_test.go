package app_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// chromium finds Debian's Chromium. Outside CI a missing browser skips the journey; in CI
// (CI=true) it fails, so the journey can never silently stop running there.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed; .ci/run installs it with apt-get install chromium")
	}
	t.Skip("Chromium not installed (apt-get install -y chromium)")
	return ""
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// screenshot saves a PNG when ANNEXA_SCREENSHOTS names a directory, for looking at the pages.
func screenshot(name string) chromedp.Action[chromedp.Void] {
	dir := os.Getenv("ANNEXA_SCREENSHOTS")
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if dir == "" {
			return chromedp.Void{}, nil
		}
		png, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.Void{}, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
}

// text reads an element's visible text into dst, as a step of a Do sequence.
func text(sel string, dst *string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := chromedp.Text(chromedp.CSS(sel))(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}

// TestBrowserJourney drives a real browser through first-run setup, signing out and in,
// editing the AIMS scope, and finding that edit in the audit log.
func TestBrowserJourney(t *testing.T) {
	ctx := newBrowser(t)
	s := start(t, storetest.Engines()[0])
	m := setupLink.FindStringSubmatch(s.out.String())
	if m == nil {
		t.Fatalf("no setup link printed: %q", s.out.String())
	}
	const scope = "All AI systems used in recruitment and customer support"
	var heading, flash, auditText, verify string
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/setup?token="+m[1]),
		chromedp.WaitVisible(chromedp.CSS(`#organisation`)),
		screenshot("01-setup"),
		chromedp.Clear(chromedp.CSS(`#organisation`)),
		chromedp.SendKeys(chromedp.CSS(`#organisation`), "Acme Robotics"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.CSS(`#email`), "ada@acme.test"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "a long enough password"),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.steps`)),
		text(`main h1`, &heading),
		screenshot("02-home"),

		// Sign out, then sign in again.
		chromedp.Click(chromedp.CSS(`.who summary`)),
		chromedp.Click(chromedp.CSS(`.who button`)),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "ada@acme.test"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "a long enough password"),
		screenshot("03-sign-in"),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.steps`)),

		// Edit the AIMS scope.
		chromedp.Click(chromedp.CSS(`.steps a[href="/organisation"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#aims_scope`)),
		chromedp.SendKeys(chromedp.CSS(`#aims_scope`), scope),
		chromedp.Click(chromedp.CSS(`input[value="ai_customer"]`)),
		chromedp.Click(chromedp.CSS(`form.card button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		text(`.flash`, &flash),
		screenshot("04-organisation"),

		// The change is in the audit log.
		chromedp.Click(chromedp.CSS(`a[href="/audit-log"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#entries table`)),
		chromedp.Click(chromedp.CSS(`#entries details summary`)),
		text(`#entries`, &auditText),
		text(`.verify`, &verify),
		screenshot("05-audit-log"),
	)
	if err != nil {
		t.Fatalf("browser journey: %v", err)
	}
	if heading != "Acme Robotics" {
		t.Errorf("home heading %q", heading)
	}
	if !strings.Contains(flash, "saved") {
		t.Errorf("flash after saving: %q", flash)
	}
	for _, want := range []string{"aims_scope", scope, "ada@acme.test", "update"} {
		if !strings.Contains(auditText, want) {
			t.Errorf("audit log lacks %q:\n%s", want, auditText)
		}
	}
	if !strings.Contains(verify, "Chain verified") {
		t.Errorf("verification: %q", verify)
	}
}

// browserSteps runs named groups of browser actions, failing the test at the first that fails.
func browserSteps(t *testing.T, ctx context.Context) func(name string, as ...chromedp.Action[chromedp.Void]) {
	return func(name string, as ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, as...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// signInActions sign a person in through the login form and wait for the home page.
func signInActions(baseURL, email string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(baseURL + "/login"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), "a long enough password"),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.steps`)),
	}
}

// TestBrowserRegister looks at the register and a system page in a real browser, and narrows
// the register with the filter form, which htmx updates in place.
func TestBrowserRegister(t *testing.T) {
	ctx := newBrowser(t)
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	for _, body := range []map[string]any{cvScreening, {"name": "Mail spam filter", "sourcing": "embedded_in_product", "vendor": "Microsoft"},
		{"name": "Demand forecasting", "sourcing": "internal", "eu_ai_act_roles": []string{"provider"}, "lifecycle_stage": "operation_and_monitoring"}} {
		if r := s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.ComplianceManager], body); r.status != 201 {
			t.Fatalf("seed: %d %s", r.status, r.body)
		}
	}
	var rows, tier, controls, status string
	step := browserSteps(t, ctx)
	step("sign in", append(signInActions(s.url, tn.users[auth.ComplianceManager].Email),
		chromedp.Click(chromedp.CSS(`a[href="/ai-systems"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#register table`)),
		screenshot("10-register"))...)
	step("filter",
		chromedp.SetValue(chromedp.CSS(`#tier`), "high"),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@role='status' and contains(., 'filtered')]`)),
		// htmx swaps, then settles: wait until it is done before reading or clicking the new rows.
		chromedp.WaitNotPresent(chromedp.CSS(`.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added`)),
		text(`#register p`, &status))
	step("open a system",
		text(`#register tbody`, &rows),
		chromedp.Click(chromedp.CSS(`#register tbody a`)),
		chromedp.WaitVisible(chromedp.CSS(`#class-h`)),
		text(`.page-head .tier`, &tier),
		text(`.reqs-table`, &controls),
		screenshot("11-system"))
	if !strings.Contains(status, "1 shown (filtered)") || !strings.Contains(rows, "TalentRank") || strings.Contains(rows, "spam") {
		t.Errorf("register filtered to high risk shows: %q", rows)
	}
	if tier != "High risk" {
		t.Errorf("tier badge %q", tier)
	}
	if !strings.Contains(controls, "6.1.4") {
		t.Errorf("clauses: %q", controls)
	}
}
