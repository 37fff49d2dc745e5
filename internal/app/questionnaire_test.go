package app_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

var (
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	factsBlock  = regexp.MustCompile(`(?s)<code id="facts-json">(.*?)</code>`)
)

// formState reads the hidden fields of a questionnaire page: the CSRF token, the question
// shown and the answers so far.
func formState(t *testing.T, p page) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(p.body, -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

func isResult(p page) bool { return strings.Contains(p.body, `class="questionnaire classify-result"`) }

func choose(ids ...string) url.Values { return url.Values{"answer": ids} }
func write(s string) url.Values       { return url.Values{"value": {s}} }

// answerAll walks the questionnaire from p to the result page, answering each question the
// page shows from the script; a question the script does not expect fails the test, so a
// branch that should have been skipped is caught.
func answerAll(t *testing.T, c *http.Client, s *server, p page, script map[string]url.Values) page {
	t.Helper()
	return answerAllAt(t, c, s, "/classify", p, script)
}

// answerAllAt is answerAll for a questionnaire mounted at action.
func answerAllAt(t *testing.T, c *http.Client, s *server, action string, p page, script map[string]url.Values) page {
	t.Helper()
	asked := map[string]bool{}
	for step := 0; !isResult(p); step++ {
		if p.status != http.StatusOK || step > 40 {
			t.Fatalf("step %d: status %d\n%.1500s", step, p.status, p.body)
		}
		form := formState(t, p)
		q := form.Get("q")
		ans, ok := script[q]
		if !ok {
			t.Fatalf("the questionnaire asked %q, which the script does not answer", q)
		}
		if !strings.Contains(p.body, `<fieldset aria-describedby="help-`+q) || !strings.Contains(p.body, `<legend>`) {
			t.Fatalf("question %s is not a fieldset with a legend and linked help", q)
		}
		asked[q] = true
		for k, vs := range ans {
			form[k] = vs
		}
		form.Set("go", "next")
		p = post(t, c, s.url+action, form)
	}
	for q := range script {
		if !asked[q] {
			t.Errorf("never asked %q", q)
		}
	}
	return p
}

func resultFacts(t *testing.T, p page) aiact.Facts {
	t.Helper()
	m := factsBlock.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no facts JSON on the result page")
	}
	f, err := aiact.DecodeFacts(strings.NewReader(html.UnescapeString(m[1])))
	if err != nil {
		t.Fatalf("facts on the result page: %v\n%s", err, m[1])
	}
	return f
}

func TestQuestionnaireCVScreening(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	// Any role may classify: the questionnaire records nothing.
	c, _ := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
	first := get(t, c, s.url+"/classify")
	if first.status != 200 || !strings.Contains(first.body, "What do you call this AI system?") || !strings.Contains(first.body, `<progress`) {
		t.Fatalf("start page: %d\n%.1000s", first.status, first.body)
	}
	if strings.Contains(first.body, `value="back"`) {
		t.Error("the first question offers Back")
	}

	// Back from the second question shows the first with its answer kept.
	form := formState(t, first)
	form.Set("value", "CV screener")
	form.Set("go", "next")
	second := post(t, c, s.url+"/classify", form)
	if q := formState(t, second).Get("q"); q != "roles" || !strings.Contains(second.body, "Question 2 of about") {
		t.Fatalf("second question %q", q)
	}
	// An empty answer is refused in place, and says why.
	empty := formState(t, second)
	empty.Set("go", "next")
	if p := post(t, c, s.url+"/classify", empty); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `role="alert"`) || !strings.Contains(p.body, "Choose at least one option") {
		t.Fatalf("empty answer: %d", p.status)
	}
	back := formState(t, second)
	back.Set("go", "back")
	again := post(t, c, s.url+"/classify", back)
	if q := formState(t, again).Get("q"); q != "name" || !strings.Contains(again.body, `value="CV screener"`) {
		t.Fatalf("back went to %q without the earlier answer", q)
	}

	res := answerAll(t, c, s, again, map[string]url.Values{
		"name": write("CV screener"), "roles": choose("deployer"), "eu_link": choose("deployer_in_eu"), "purpose": choose("none"),
		"gpai_model": choose("no"), "prohibited": choose("none"), "annex_i": choose("no"),
		"annex_iii_areas": choose("employment"), "annex_iii_employment": choose("4a"), "art6_3": choose("none"),
		"public_body": choose("no"), "transparency": choose("none"),
	})
	body := html.UnescapeString(res.body)
	for _, want := range []string{"CV screener", "High risk", "Art. 6(2), Annex III 4(a)", "As deployer", "Art. 26", "2027-12-02", "reported", "Art. 113"} {
		if !strings.Contains(body, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	if strings.Contains(body, "Open points to settle") {
		t.Error("open points shown though every answer was sure")
	}
	f := resultFacts(t, res)
	if !slices.Equal(f.AnnexIIIUseCases, []aiact.AnnexIIIPoint{"4a"}) || !slices.Equal(f.Roles, []aiact.Role{aiact.RoleDeployer}) || !f.EUNexus.DeployerEstablishedInEU {
		t.Errorf("facts %+v", f)
	}
	// The facts shown classify the same through the API.
	var api aiact.Result
	s.do("POST", "/api/v1/classify", tn.tokens[auth.Viewer], f).json(t, &api)
	if api.Tier != aiact.TierHigh {
		t.Errorf("API on the page's facts: %s", api.Tier)
	}

	// Back from the result returns to the last question, answer kept.
	fromResult := formState(t, res)
	fromResult.Set("go", "back")
	last := post(t, c, s.url+"/classify", fromResult)
	if q := formState(t, last).Get("q"); q != "transparency" || !regexp.MustCompile(`value="none" checked`).MatchString(last.body) {
		t.Fatalf("back from the result: %q", q)
	}
	// The stand-alone page has no save button.
	if strings.Contains(res.body, `value="save"`) {
		t.Error("the stand-alone questionnaire offers to save")
	}
	if p := post(t, c, s.url+"/classify", url.Values{"csrf_token": {fromResult.Get("csrf_token")}, "go": {"save"}}); p.status != http.StatusNotFound {
		t.Errorf("save on the stand-alone page: %d", p.status)
	}
}

func TestQuestionnaireChatbotWithOpenPoints(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	c, _ := signIn(t, s, tn.users[auth.Auditor].Email, "a long enough password")
	res := answerAll(t, c, s, get(t, c, s.url+"/classify"), map[string]url.Values{
		"name": write("Support chat"), "roles": choose("provider", "deployer"), "eu_link": choose("market", "deployer_in_eu"), "purpose": choose("none"),
		"gpai_model": choose("no"), "prohibited": choose("none"), "annex_i": choose("not_sure"),
		"annex_iii_areas": choose("none"), "transparency": choose("interacts"),
	})
	body := html.UnescapeString(res.body)
	for _, want := range []string{"Limited risk", "Art. 50(1)", "As provider", "2026-08-02", "confirmed", "Open points to settle", "Is the system part of a regulated product"} {
		if !strings.Contains(body, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	f := resultFacts(t, res)
	if f.AnnexISafetyComponentThirdPartyAssessed || !slices.Equal(f.TransparencyIndicators, []aiact.TransparencyIndicator{"interacts_directly_with_natural_persons"}) {
		t.Errorf("facts %+v", f)
	}
}

func TestQuestionnaireRefusesForgedAndTamperedForms(t *testing.T) {
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	c, tok := signIn(t, s, tn.admin.Email, "a long enough password")
	answer := url.Values{"q": {"name"}, "value": {"x"}, "go": {"next"}}
	if p := post(t, c, s.url+"/classify", answer); p.status != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", p.status)
	}
	answer.Set("csrf_token", "forged-token-value-that-is-long-enough-to-pass")
	if p := post(t, c, s.url+"/classify", answer); p.status != http.StatusForbidden {
		t.Fatalf("wrong CSRF token: %d", p.status)
	}
	if p := post(t, browser(t), s.url+"/classify", answer); p.status == http.StatusOK {
		t.Fatal("signed-out answer accepted")
	}
	answer.Set("csrf_token", tok)
	if p := post(t, c, s.url+"/classify", answer); p.status != http.StatusOK || formState(t, p).Get("q") != "roles" {
		t.Fatalf("valid answer: %d", p.status)
	}
	// Hidden answers are checked like fresh ones.
	tampered := url.Values{"csrf_token": {tok}, "q": {"eu_link"}, "answer": {"market"}, "go": {"next"}, "a.name": {"x"}, "a.roles": {"emperor"}}
	if p := post(t, c, s.url+"/classify", tampered); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("tampered hidden answer: %d", p.status)
	}
	// Skipping a question by naming a later one does not skip it.
	skip := url.Values{"csrf_token": {tok}, "q": {"transparency"}, "answer": {"none"}, "go": {"next"}, "a.name": {"x"}}
	if p := post(t, c, s.url+"/classify", skip); p.status != http.StatusOK || formState(t, p).Get("q") != "roles" {
		t.Fatalf("skipping ahead: %d %q", p.status, formState(t, p).Get("q"))
	}
}

// TestQuestionnaireSavesToTheRegister classifies a registered system with the questionnaire,
// saves the outcome, and finds the tier, roles and the "not sure" answer on the system.
func TestQuestionnaireSavesToTheRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := start(t, e)
		tn := s.bootstrap("Acme")
		var sys struct{ ID string }
		s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.AISystemOwner], map[string]any{"name": "CV screener"}).json(t, &sys)
		action := "/ai-systems/" + sys.ID + "/classify"

		// Someone who may not change the system can walk it but not save.
		v, _ := signIn(t, s, tn.users[auth.Viewer].Email, "a long enough password")
		script := map[string]url.Values{
			"name": write("CV screener"), "roles": choose("deployer"), "eu_link": choose("deployer_in_eu"), "purpose": choose("none"),
			"gpai_model": choose("no"), "prohibited": choose("none"), "annex_i": choose("not_sure"),
			"annex_iii_areas": choose("employment"), "annex_iii_employment": choose("4a"), "art6_3": choose("none"),
			"public_body": choose("no"), "transparency": choose("none"),
		}
		res := answerAllAt(t, v, s, action, get(t, v, s.url+action), script)
		save := formState(t, res)
		save.Set("go", "save")
		if p := post(t, v, s.url+action, save); p.status != http.StatusForbidden {
			t.Fatalf("viewer saving: %d", p.status)
		}

		c, _ := signIn(t, s, tn.users[auth.AISystemOwner].Email, "a long enough password")
		res = answerAllAt(t, c, s, action, get(t, c, s.url+action), script)
		if !strings.Contains(res.body, `value="save"`) {
			t.Fatal("no save button on the system's questionnaire")
		}
		save = formState(t, res)
		save.Set("go", "save")
		saved := post(t, c, s.url+action, save)
		if saved.status != http.StatusSeeOther || saved.header.Get("Location") != "/ai-systems/"+sys.ID {
			t.Fatalf("save: %d %s", saved.status, saved.header.Get("Location"))
		}
		var got struct {
			Roles          []string `json:"eu_ai_act_roles"`
			OpenPoints     []string `json:"open_points"`
			Classification struct{ Tier string }
		}
		s.do("GET", "/api/v1/ai-systems/"+sys.ID, tn.tokens[auth.Viewer], nil).json(t, &got)
		if got.Classification.Tier != "high" || !slices.Equal(got.Roles, []string{"deployer"}) || !slices.Equal(got.OpenPoints, []string{"annex_i"}) {
			t.Fatalf("saved system: %+v", got)
		}
		page := html.UnescapeString(get(t, c, s.url+"/ai-systems/"+sys.ID).body)
		if !strings.Contains(page, "Classification saved: High risk. 1 open point(s) to settle.") || !strings.Contains(page, "Is the system part of a regulated product") {
			t.Fatalf("system page after saving lacks the flash or the open point")
		}
		// Walking it again starts from what was saved.
		again := get(t, c, s.url+action)
		if !strings.Contains(again.body, `value="CV screener"`) {
			t.Error("the questionnaire does not start from the recorded facts")
		}
	})
}
