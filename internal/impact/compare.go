package impact

import (
	"fmt"
	"strconv"
)

// FieldDiff is one field of two versions side by side.
type FieldDiff struct {
	Field   string `json:"field"`
	From    string `json:"from"`
	To      string `json:"to"`
	Changed bool   `json:"changed"`
}

// Comparison is a field-by-field comparison of two versions of one system's assessment.
type Comparison struct {
	SystemID string      `json:"ai_system_id"`
	From     int         `json:"from"`
	To       int         `json:"to"`
	Changed  int         `json:"changed"`
	Fields   []FieldDiff `json:"fields"`
}

// Compare lays two versions side by side, field by field, in the form's order. Parties and
// effects compare by position: the form keeps them in the order they were entered.
func Compare(from, to Assessment) Comparison {
	a, b := flatten(from), flatten(to)
	c := Comparison{SystemID: to.SystemID, From: from.Number, To: to.Number, Fields: []FieldDiff{}}
	seen := map[string]bool{}
	add := func(k string) {
		if seen[k] {
			return
		}
		seen[k] = true
		d := FieldDiff{Field: k, From: a.vals[k], To: b.vals[k]}
		d.Changed = d.From != d.To
		if d.Changed {
			c.Changed++
		}
		c.Fields = append(c.Fields, d)
	}
	for _, k := range mergeOrder(a.order, b.order) {
		add(k)
	}
	return c
}

type flat struct {
	order []string
	vals  map[string]string
}

func (f *flat) put(k, v string) {
	if _, ok := f.vals[k]; !ok {
		f.order = append(f.order, k)
	}
	f.vals[k] = v
}

func flatten(a Assessment) flat {
	f := flat{vals: map[string]string{}}
	f.put("intended_purpose", a.IntendedPurpose)
	f.put("foreseeable_misuse", a.ForeseeableMisuse)
	for i, p := range a.AffectedParties {
		at := fmt.Sprintf("affected_parties[%d]", i)
		f.put(at+".kind", string(p.Kind))
		f.put(at+".name", p.Name)
		f.put(at+".description", p.Description)
		for j, e := range p.Effects {
			eat := fmt.Sprintf("%s.effects[%d]", at, j)
			f.put(eat+".kind", string(e.Kind))
			f.put(eat+".description", e.Description)
			f.put(eat+".severity", rating(e.Severity))
			f.put(eat+".likelihood", rating(e.Likelihood))
			f.put(eat+".mitigations", e.Mitigations)
		}
	}
	f.put("data_used", a.DataUsed)
	f.put("data_provenance", a.DataProvenance)
	f.put("fria_required", strconv.FormatBool(a.FRIARequired))
	for _, id := range friaFields {
		f.put("fria."+id, a.FRIA.Get(id))
	}
	f.put("residual_impact", a.ResidualImpact)
	f.put("residual_level", string(a.ResidualLevel))
	f.put("conclusion", a.Conclusion)
	f.put("next_review", a.NextReview)
	return f
}

func rating(v int) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

// mergeOrder interleaves two key sequences that share a layout, keeping each one's order:
// keys only in the second land right after their predecessor in it.
func mergeOrder(a, b []string) []string {
	out := append([]string{}, a...)
	pos := map[string]int{}
	for i, k := range out {
		pos[k] = i
	}
	for i, k := range b {
		if _, ok := pos[k]; ok {
			continue
		}
		at := 0
		if i > 0 {
			at = pos[b[i-1]] + 1
		}
		out = append(out[:at], append([]string{k}, out[at:]...)...)
		for j := at; j < len(out); j++ {
			pos[out[j]] = j
		}
	}
	return out
}
