package monitor

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/fault"
)

func hasField(err error, field string) bool {
	for _, f := range fault.Fields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestMeasuresData(t *testing.T) {
	ms, err := Measures()
	if err != nil {
		t.Fatal(err)
	}
	dir, ok := MeasureByID("disparate_impact_ratio")
	if !ok || dir.Min == nil || *dir.Min != 0.8 || dir.Kind != Fairness {
		t.Fatalf("the four-fifths rule is not the disparate impact ratio's bound: %+v", dir)
	}
	for _, m := range ms {
		if len(m.About) > 250 {
			t.Errorf("%s: the one-line description runs to %d characters", m.ID, len(m.About))
		}
	}
	for _, id := range FairnessMeasures {
		if _, ok := MeasureByID(id); !ok {
			t.Errorf("fairness measure %s is computed but not described in the data", id)
		}
	}
}

func TestPSI(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	normal := func(n int, mean float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = rng.NormFloat64() + mean
		}
		return xs
	}
	ref := normal(5000, 0)
	same, err := PSI(ref, normal(5000, 0))
	if err != nil || same > 0.02 {
		t.Fatalf("two samples of one law: PSI %.4f %v", same, err)
	}
	moved, err := PSI(ref, normal(5000, 1))
	if err != nil || moved < 0.25 {
		t.Fatalf("a shift of one standard deviation: PSI %.4f %v", moved, err)
	}
	// A reference with few distinct values still bins, and an empty bin does not blow up.
	lumpy := []float64{1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3}
	if v, err := PSI(lumpy, []float64{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}); err != nil || math.IsInf(v, 0) || v < 1 {
		t.Fatalf("all values in one bin: PSI %v %v", v, err)
	}
	_, err = PSI([]float64{1, 2}, []float64{1, math.NaN(), 3, 4, 5, 6, 7, 8, 9, 10, 11})
	if !hasField(err, "reference") || !hasField(err, "current[1]") {
		t.Fatalf("bad samples: %v", err)
	}
}

func TestKS(t *testing.T) {
	ref := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	cur := []float64{6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	d, p, err := KS(ref, cur)
	// D is 0.5; the asymptotic p-value with Stephens' correction is 0.111 for n = m = 10.
	if err != nil || d != 0.5 || math.Abs(p-0.111) > 0.002 {
		t.Fatalf("KS: d %v p %.4f %v", d, p, err)
	}
	if d, p, _ := KS(ref, ref); d != 0 || p != 1 {
		t.Fatalf("a sample against itself: d %v p %v", d, p)
	}
}

func TestMeasureFairness(t *testing.T) {
	yes, no := true, false
	var preds []Prediction
	add := func(group string, n, favourable int, actual *bool) {
		for i := range n {
			preds = append(preds, Prediction{Group: group, Favorable: i < favourable, Actual: actual})
		}
	}
	add("men", 10, 8, &yes)
	add("women", 10, 4, &yes)
	add("non-binary", 3, 0, &yes) // too few to compare
	add("women", 5, 5, &no)
	for measure, want := range map[string]float64{"disparate_impact_ratio": 9.0 / 15 / 0.8, "demographic_parity_difference": 0.8 - 9.0/15, "equal_opportunity_difference": 0.4} {
		v, rates, err := MeasureFairness(measure, preds)
		if err != nil || math.Abs(v-want) > 1e-9 || len(rates) != 2 {
			t.Errorf("%s: %v %+v %v, want %v", measure, v, rates, err, want)
		}
	}
	preds[0].Actual = nil
	if _, _, err := MeasureFairness("equal_opportunity_difference", preds); !hasField(err, "predictions[0].actual") {
		t.Fatalf("equal opportunity without actual outcomes: %v", err)
	}
	if _, _, err := MeasureFairness("disparate_impact_ratio", preds[:12]); !hasField(err, "predictions") {
		t.Fatalf("one comparable group: %v", err)
	}
	if _, _, err := MeasureFairness("vibes", preds); !hasField(err, "measure") {
		t.Fatalf("unknown measure: %v", err)
	}
}

func TestMetricInputAndBreach(t *testing.T) {
	in := MetricInput{Name: ptr("dir_gender"), Measure: ptr("disparate_impact_ratio"), RaiseNonconformity: ptr(true)}
	if err := in.Validate(true); err != nil {
		t.Fatal(err)
	}
	m := in.Apply(Metric{}, true)
	if m.Kind != Fairness || m.Title != "Disparate impact ratio" || m.Min == nil || *m.Min != 0.8 || m.Max != nil || !m.RaiseNonconformity {
		t.Fatalf("a metric of a known measure: %+v", m)
	}
	if bare := (MetricInput{Name: ptr("dir_age"), Measure: ptr("disparate_impact_ratio"), Clear: []string{"min"}}).Apply(Metric{}, true); bare.Min != nil {
		t.Fatalf("a cleared bound came back as the suggestion: %v", *bare.Min)
	}
	if b, ok := m.Breach(0.75); !ok || b != "below the minimum 0.8" {
		t.Fatalf("breach: %q %v", b, ok)
	}
	if _, ok := m.Breach(0.8); ok {
		t.Fatal("the bound itself is a breach")
	}
	m = MetricInput{Clear: []string{"min"}, Max: ptr(2.0)}.Apply(m, false)
	if m.Min != nil || m.Max == nil || *m.Max != 2 {
		t.Fatalf("clear and set bounds: %+v", m)
	}
	for field, bad := range map[string]MetricInput{
		"name":     {Name: ptr("Accuracy!"), Kind: ptr(Performance)},
		"kind":     {Name: ptr("x")},
		"measure":  {Name: ptr("x"), Measure: ptr("vibes")},
		"min":      {Name: ptr("x"), Kind: ptr(Drift), Min: ptr(math.Inf(1))},
		"clear[0]": {Name: ptr("x"), Kind: ptr(Drift), Clear: []string{"both"}},
	} {
		if err := bad.Validate(true); !hasField(err, field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	if err := (Metric{Min: ptr(2.0), Max: ptr(1.0)}).Check(); !hasField(err, "max") {
		t.Fatalf("bounds out of order: %v", err)
	}
	now := time.Now()
	later := now.Add(time.Hour)
	err := CheckReadings([]Reading{{Metric: "accuracy", Value: math.NaN()}, {Metric: "nope", Value: 1}, {Metric: "accuracy", Value: 1, At: &later}},
		func(n string) bool { return n == "accuracy" }, now)
	for _, f := range []string{"readings[0].value", "readings[1].metric", "readings[2].at"} {
		if !hasField(err, f) {
			t.Errorf("readings: %s not named in %v", f, err)
		}
	}
}

func TestAlertActionsAndOverrides(t *testing.T) {
	a := Alert{Status: AlertOpen}
	if _, err := (AlertAction{Status: AlertResolved}).Act(a, "x@example.org"); !hasField(err, "resolution") {
		t.Fatalf("resolved without a reason: %v", err)
	}
	a, err := AlertAction{Status: AlertAcknowledged}.Act(a, "ada@example.org")
	if err != nil || a.Status != AlertAcknowledged || a.AcknowledgedBy != "ada@example.org" {
		t.Fatalf("acknowledge: %+v %v", a, err)
	}
	a, err = AlertAction{Status: AlertResolved, Resolution: " Retrained on Q3 data "}.Act(a, "grace@example.org")
	if err != nil || a.Status != AlertResolved || a.Resolution != "Retrained on Q3 data" || a.AcknowledgedBy != "ada@example.org" {
		t.Fatalf("resolve: %+v %v", a, err)
	}
	if _, err := (AlertAction{Status: AlertAcknowledged}).Act(a, "x"); !fault.Is(err, fault.Conflict) {
		t.Fatalf("act on a resolved alert: %v", err)
	}
	rate, ok := OverrideRate([]OversightEntry{{Outcome: Confirmed}, {Outcome: Overridden}, {Outcome: Stopped}, {Outcome: Escalated}})
	if !ok || rate != 0.5 {
		t.Fatalf("override rate %v", rate)
	}
	if _, ok := OverrideRate(nil); ok {
		t.Fatal("a rate of no entries")
	}
}

func fieldsOf(err error) []fault.FieldError { return fault.Fields(err) }

// BenchmarkDrift measures PSI and KS on 100,000 reference and 100,000 production values, the
// size of a day's scores for a busy model. go test ./internal/monitor -run XXX -bench Drift
func BenchmarkDrift(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	ref, cur := make([]float64, 100_000), make([]float64, 100_000)
	for i := range ref {
		ref[i], cur[i] = rng.NormFloat64(), rng.NormFloat64()+0.1
	}
	b.Run("psi", func(b *testing.B) {
		for range b.N {
			if _, err := PSI(ref, cur); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ks", func(b *testing.B) {
		for range b.N {
			if _, _, err := KS(ref, cur); err != nil {
				b.Fatal(err)
			}
		}
	})
}
