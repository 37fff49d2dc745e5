package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// TestBrowserRiskJourney sets a 4×5 risk method, registers a risk and finds it on the heat map,
// in a real browser and without JavaScript of our own.
func TestBrowserRiskJourney(t *testing.T) {
	ctx := newBrowser(t)
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	var flash, heading, cell, desc string
	var cells []string
	step := browserSteps(t, ctx)
	step("sign in", signInActions(s.url, tn.users[auth.ComplianceManager].Email)...)
	step("set the method",
		chromedp.Click(chromedp.CSS(`a[href="/risks"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#register`)),
		chromedp.Click(chromedp.CSS(`.lede a[href="/risk-method"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#likelihood`)),
		chromedp.SetValue(chromedp.CSS(`#likelihood`), "Rare\nPossible\nLikely\nAlmost certain"),
		screenshot("20-risk-method"),
		chromedp.Click(chromedp.CSS(`form.method-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		text(`.flash`, &flash))
	step("register a risk",
		chromedp.Navigate(s.url+"/risks/new"),
		chromedp.WaitVisible(chromedp.CSS(`#title`)),
		chromedp.SendKeys(chromedp.CSS(`#title`), "Chatbot promises refunds it cannot give"),
		chromedp.SetValue(chromedp.CSS(`#category`), "accountability"),
		chromedp.SetValue(chromedp.CSS(`#likelihood`), "4"),
		chromedp.SetValue(chromedp.CSS(`#impact`), "3"),
		screenshot("21-risk-form"),
		chromedp.Click(chromedp.CSS(`form.risk-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#plan-h`)),
		text(`main h1`, &heading),
		screenshot("22-risk"))
	step("see it on the heat map",
		chromedp.Navigate(s.url+"/risks/heatmap"),
		chromedp.WaitVisible(chromedp.CSS(`.heat-pair svg`)),
		evaluate(`document.getElementById("inherent-desc").textContent`, &desc),
		attr(`#main svg a[href="/risks?likelihood=4&impact=3"]`, "aria-label", &cell),
		evaluate(`Array.from(document.querySelectorAll('svg a')).map(a => a.getAttribute('href'))`, &cells),
		screenshot("23-heatmap"),
		chromedp.Click(chromedp.CSS(`#main svg a[href="/risks?likelihood=4&impact=3"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#register tbody a`)),
		text(`#register tbody`, &heading))
	if !strings.Contains(flash, "re-scored") {
		t.Errorf("flash after saving the method: %q", flash)
	}
	if !strings.Contains(cell, "1 risks at likelihood 4 (Almost certain), impact 3 (Moderate)") {
		t.Errorf("heat-map cell label %q", cell)
	}
	if len(cells) != 2*4*5 || !strings.Contains(desc, "4 by 5") {
		t.Errorf("heat map: %d cells, %q", len(cells), desc)
	}
	if !strings.Contains(heading, "Chatbot promises refunds") {
		t.Errorf("the cell's link lists: %q", heading)
	}
}

// attr reads an element's attribute into dst, as a step of a Do sequence.
func attr(sel, name string, dst *string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := chromedp.AttributeValue(chromedp.CSS(sel), name)(ctx, t)
		*dst = v.Value
		return chromedp.Void{}, err
	}
}

// evaluate runs a script and decodes its result into dst.
func evaluate[T any](expr string, dst *T) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := chromedp.Evaluate[T](expr)(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}
