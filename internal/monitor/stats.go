package monitor

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/annexa-dev/annexa/internal/fault"
)

// MaxSample is the largest sample a drift or fairness computation takes in one request.
const MaxSample = 200_000

// minSample is the smallest sample a distribution comparison means anything with.
const minSample = 10

// psiBins is the number of bins PSI cuts at the reference's quantiles; psiFloor stands in for
// an empty bin's share, whose logarithm would otherwise be infinite.
const (
	psiBins  = 10
	psiFloor = 1e-4
)

func checkSamples(reference, current []float64) error {
	var v fault.Validation
	for _, s := range []struct {
		field string
		xs    []float64
	}{{"reference", reference}, {"current", current}} {
		v.Check(len(s.xs) < minSample, s.field, "needs at least %d values", minSample)
		v.Check(len(s.xs) > MaxSample, s.field, "takes at most %d values", MaxSample)
		if i := slices.IndexFunc(s.xs, func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }); i >= 0 {
			v.Add(fmt.Sprintf("%s[%d]", s.field, i), "must be a finite number")
		}
	}
	return v.Err()
}

func sorted(xs []float64) []float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s
}

// PSI is the population stability index of current against reference, over bins cut at the
// reference's deciles (fewer when values repeat).
func PSI(reference, current []float64) (float64, error) {
	if err := checkSamples(reference, current); err != nil {
		return 0, err
	}
	ref, cur := sorted(reference), sorted(current)
	var edges []float64
	for i := 1; i < psiBins; i++ {
		q := stat.Quantile(float64(i)/psiBins, stat.Empirical, ref, nil)
		if len(edges) == 0 || q > edges[len(edges)-1] {
			edges = append(edges, q)
		}
	}
	// share counts the values in each bin: (-inf, e0], (e0, e1], …, (last, +inf).
	share := func(xs []float64) []float64 {
		out := make([]float64, len(edges)+1)
		for _, x := range xs {
			out[sort.SearchFloat64s(edges, x)]++
		}
		for i := range out {
			out[i] = math.Max(out[i]/float64(len(xs)), psiFloor)
		}
		return out
	}
	r, c := share(ref), share(cur)
	psi := 0.0
	for i := range r {
		psi += (c[i] - r[i]) * math.Log(c[i]/r[i])
	}
	return psi, nil
}

// KS is the two-sample Kolmogorov-Smirnov statistic of current against reference and its
// asymptotic p-value.
func KS(reference, current []float64) (d, p float64, err error) {
	if err := checkSamples(reference, current); err != nil {
		return 0, 0, err
	}
	d = stat.KolmogorovSmirnov(sorted(reference), nil, sorted(current), nil)
	n, m := float64(len(reference)), float64(len(current))
	ne := n * m / (n + m)
	return d, kolmogorovQ((math.Sqrt(ne) + 0.12 + 0.11/math.Sqrt(ne)) * d), nil
}

// kolmogorovQ is the complementary distribution function of the Kolmogorov distribution,
// the probability of a distance at least this large when both samples come from one law.
func kolmogorovQ(lambda float64) float64 {
	if lambda < 0.2 {
		return 1
	}
	sum, sign := 0.0, 1.0
	for k := 1; k <= 100; k++ {
		term := sign * math.Exp(-2*float64(k*k)*lambda*lambda)
		sum += term
		if math.Abs(term) < 1e-12 {
			break
		}
		sign = -sign
	}
	return math.Min(1, math.Max(0, 2*sum))
}

// Prediction is one decision of an AI system for the fairness measures: the group of the
// person concerned, whether the outcome was favourable, and, when known, whether it should
// have been.
type Prediction struct {
	Group     string `json:"group"`
	Favorable bool   `json:"favorable"`
	Actual    *bool  `json:"actual,omitempty"`
}

// GroupRate is one group's figures behind a fairness value.
type GroupRate struct {
	Group string `json:"group"`
	Count int    `json:"count"`
	// Rate is the share of favourable outcomes, or for equal opportunity the true positive
	// rate among those whose actual outcome was favourable.
	Rate float64 `json:"rate"`
}

// FairnessMeasures lists the fairness measures Annexa computes.
var FairnessMeasures = []string{"disparate_impact_ratio", "demographic_parity_difference", "equal_opportunity_difference"}

// minGroup is the fewest decisions a group needs for its rate to be compared.
const minGroup = 5

// MeasureFairness computes a fairness measure over decisions: the ratio or difference between the
// lowest and highest group rates. Groups with fewer than minGroup relevant decisions are left
// out of the rates returned (a caller names them by comparing), rather than letting a handful
// of cases decide the figure.
func MeasureFairness(measure string, preds []Prediction) (float64, []GroupRate, error) {
	var v fault.Validation
	v.Check(!slices.Contains(FairnessMeasures, measure), "measure", "must be one of %s", strings.Join(FairnessMeasures, ", "))
	v.Check(len(preds) == 0, "predictions", "send the decisions to measure")
	v.Check(len(preds) > MaxSample, "predictions", "takes at most %d decisions", MaxSample)
	opportunity := measure == "equal_opportunity_difference"
	for i, p := range preds {
		v.Check(strings.TrimSpace(p.Group) == "" || len(p.Group) > 100, fmt.Sprintf("predictions[%d].group", i), "must name a group in at most 100 characters")
		v.Check(opportunity && p.Actual == nil, fmt.Sprintf("predictions[%d].actual", i), "equal opportunity needs the actual outcome of every decision")
	}
	if err := v.Err(); err != nil {
		return 0, nil, err
	}
	type tally struct{ n, favourable int }
	groups := map[string]*tally{}
	for _, p := range preds {
		if opportunity && !*p.Actual {
			continue
		}
		g := groups[p.Group]
		if g == nil {
			g = &tally{}
			groups[p.Group] = g
		}
		g.n++
		if p.Favorable {
			g.favourable++
		}
	}
	var rates []GroupRate
	var small []string
	for name, g := range groups {
		if g.n < minGroup {
			small = append(small, name)
			continue
		}
		rates = append(rates, GroupRate{Group: name, Count: g.n, Rate: float64(g.favourable) / float64(g.n)})
	}
	slices.SortFunc(rates, func(a, b GroupRate) int { return strings.Compare(a.Group, b.Group) })
	if len(rates) < 2 {
		slices.Sort(small)
		return 0, rates, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields", Fields: []fault.FieldError{{Field: "predictions",
			Message: fmt.Sprintf("at least two groups need %d or more decisions to compare; too few in: %s", minGroup, strings.Join(small, ", "))}}}
	}
	lo, hi := rates[0].Rate, rates[0].Rate
	for _, r := range rates[1:] {
		lo, hi = math.Min(lo, r.Rate), math.Max(hi, r.Rate)
	}
	if measure == "disparate_impact_ratio" {
		if hi == 0 {
			return 1, rates, nil // no group receives a favourable outcome: no disparity to measure
		}
		return lo / hi, rates, nil
	}
	return hi - lo, rates, nil
}
