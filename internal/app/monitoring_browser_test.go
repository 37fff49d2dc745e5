package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// TestBrowserMonitoringJourney watches an AI system's disparate impact ratio, records a value
// below the four-fifths bound by hand, finds the alert among the alerts and opens it, in a
// real browser.
func TestBrowserMonitoringJourney(t *testing.T) {
	ctx := newBrowser(t)
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	var sys systemJSON
	if r := s.do("POST", "/api/v1/ai-systems", tn.tokens[auth.ComplianceManager], cvScreening); r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.body)
	} else {
		r.json(t, &sys)
	}
	var metrics, flash, rows, head, facts string
	step := browserSteps(t, ctx)
	step("sign in", signInActions(s.url, tn.users[auth.ComplianceManager].Email)...)
	step("open the system's monitoring",
		chromedp.Navigate(s.url+"/ai-systems/"+sys.ID),
		chromedp.WaitVisible(chromedp.CSS(`.monitoring-link a`)),
		chromedp.Click(chromedp.CSS(`.monitoring-link a`)),
		chromedp.WaitVisible(chromedp.CSS(`#add-h`)))
	step("add a disparate impact metric",
		chromedp.SendKeys(chromedp.CSS(`#name`), "dir_gender"),
		chromedp.SetValue(chromedp.CSS(`#measure`), "disparate_impact_ratio"),
		chromedp.Click(chromedp.CSS(`input[name=raise_nonconformity]`)),
		screenshot("40-add-metric"),
		chromedp.Click(chromedp.CSS(`form.add-metric button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#record-h`)),
		text(`table.metrics tbody`, &metrics))
	step("record a value below 0.8",
		chromedp.SetValue(chromedp.CSS(`#metric`), "dir_gender"),
		chromedp.SendKeys(chromedp.CSS(`#value`), "0.72"),
		chromedp.Click(chromedp.CSS(`form.record-value button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#alerts-h`)),
		text(`.flash`, &flash),
		screenshot("41-monitoring"))
	step("see the alert among the alerts",
		chromedp.Click(chromedp.CSS(`.subnav a[href="/alerts"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#alerts table`)),
		text(`#alerts tbody`, &rows),
		screenshot("42-alerts"))
	step("open it",
		chromedp.Click(chromedp.CSS(`#alerts tbody a[href^="/alerts/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#act-h`)),
		text(`.page-head`, &head),
		text(`#about-h + dl`, &facts),
		screenshot("43-alert"))
	if !strings.Contains(metrics, "dir_gender") || !strings.Contains(metrics, "at least 0.8") {
		t.Errorf("metrics after adding: %q", metrics)
	}
	if !strings.Contains(flash, "Recorded 0.72 for dir_gender: below the minimum 0.8. An alert is open.") || !strings.Contains(flash, "corrective action was raised") {
		t.Errorf("flash after recording: %q", flash)
	}
	if !strings.Contains(rows, "dir_gender: below the minimum 0.8") || !strings.Contains(rows, "TalentRank CV screening") || !strings.Contains(rows, "Open") {
		t.Errorf("alerts list: %q", rows)
	}
	if !strings.Contains(head, "dir_gender") || !strings.Contains(head, "Open") {
		t.Errorf("alert heading: %q", head)
	}
	if !strings.Contains(facts, "0.72") || !strings.Contains(facts, "Investigate Disparate impact ratio on TalentRank CV screening") {
		t.Errorf("alert facts: %q", facts)
	}
}
