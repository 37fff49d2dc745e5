package aiact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/annexa-dev/annexa/catalogs"
)

// QuestionnairePath is the guided questionnaire inside catalogs.FS.
const QuestionnairePath = "aiact/questionnaire.json"

// NotSure is the answer every question accepts. It sets no fact and is reported as an open
// point, so an unsure answer is never mistaken for "no".
const NotSure = "not_sure"

// maxTextAnswer bounds a free-text answer (the system's name).
const maxTextAnswer = 200

// QuestionKind says how a question is answered.
type QuestionKind string

const (
	KindSingle QuestionKind = "single" // one option
	KindMulti  QuestionKind = "multi"  // one or more options; an exclusive option stands alone
	KindText   QuestionKind = "text"   // free text, stored in the question's one fact
	KindNumber QuestionKind = "number" // a number not below 0, stored in the question's one fact
)

func (k QuestionKind) Valid() bool {
	return slices.Contains([]QuestionKind{KindSingle, KindMulti, KindText, KindNumber}, k)
}

// Questionnaire is the guided, plain-language form of the facts: questions as data
// (catalogs/aiact/questionnaire.json), asked one at a time in file order, each only when its
// ask_if clauses hold for the answers given so far.
type Questionnaire struct {
	ID        string     `json:"id"`
	AsOf      string     `json:"as_of"`
	Notice    string     `json:"notice"`
	Questions []Question `json:"questions"`
	index     map[string]int
}

// Question is one step. Facts names the facts (JSON paths into Facts, "gpai.is_gpai_model")
// its options set; a text or number question stores its answer in its single fact.
type Question struct {
	ID      string       `json:"id"`
	Kind    QuestionKind `json:"kind"`
	Facts   []string     `json:"facts"`
	Ref     string       `json:"ref"`
	Text    string       `json:"question"`
	Help    string       `json:"help"`
	AskIf   []Clause     `json:"ask_if,omitempty"`
	EndIf   []Clause     `json:"end_if,omitempty"`
	Options []Option     `json:"options,omitempty"`
}

// Clause is a list of "question.option" references; it holds when any of them was chosen.
// A question's ask_if (or end_if) holds when every clause holds.
type Clause []string

// Option is one answer to a single or multi question and the fact values it sets.
type Option struct {
	ID        string       `json:"id"`
	Label     string       `json:"label"`
	Help      string       `json:"help,omitempty"`
	Exclusive bool         `json:"exclusive,omitempty"`
	Sets      []Assignment `json:"sets"`
}

// Assignment sets one fact: a boolean or a string for a scalar fact, a string to add for
// a list fact.
type Assignment struct {
	Fact  string          `json:"fact"`
	Value json.RawMessage `json:"value"`
}

// Answer is what a person said to one question: chosen option ids, or a text or number
// Value, or NotSure.
type Answer struct {
	Choices []string
	Value   string
	NotSure bool
}

// Answers holds the answers given so far, by question id.
type Answers map[string]Answer

// Option returns the option with the id, if the question has it.
func (q *Question) Option(id string) (*Option, bool) {
	for i := range q.Options {
		if q.Options[i].ID == id {
			return &q.Options[i], true
		}
	}
	return nil, false
}

// Question returns the question with the id.
func (qn *Questionnaire) Question(id string) (*Question, bool) {
	i, ok := qn.index[id]
	if !ok {
		return nil, false
	}
	return &qn.Questions[i], true
}

var defaultQuestionnaire = sync.OnceValues(func() (*Questionnaire, error) { return LoadQuestionnaire(catalogs.FS) })

// DefaultQuestionnaire returns the questionnaire embedded in the binary, loaded once.
func DefaultQuestionnaire() (*Questionnaire, error) { return defaultQuestionnaire() }

// LoadQuestionnaire reads and checks the questionnaire in fsys: unique ids, known kinds,
// facts that exist, option values the facts accept, and branching that refers only to
// options of earlier questions.
func LoadQuestionnaire(fsys fs.FS) (*Questionnaire, error) {
	data, err := fs.ReadFile(fsys, QuestionnairePath)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var qn Questionnaire
	if err := dec.Decode(&qn); err != nil {
		return nil, fmt.Errorf("%s: %w", QuestionnairePath, err)
	}
	if err := qn.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", QuestionnairePath, err)
	}
	return &qn, nil
}

func (qn *Questionnaire) check() error {
	if qn.ID == "" || qn.AsOf == "" || qn.Notice == "" {
		return fmt.Errorf("id, as_of and notice are required")
	}
	if len(qn.Questions) == 0 {
		return fmt.Errorf("no questions")
	}
	qn.index = map[string]int{}
	for i := range qn.Questions {
		q := &qn.Questions[i]
		where := fmt.Sprintf("question %q", q.ID)
		if q.ID == "" || strings.ContainsAny(q.ID, ". ") {
			return fmt.Errorf("question %d: id %q must be set and hold no dot or space", i, q.ID)
		}
		if _, dup := qn.index[q.ID]; dup {
			return fmt.Errorf("%s: duplicate id", where)
		}
		if !q.Kind.Valid() {
			return fmt.Errorf("%s: unknown kind %q", where, q.Kind)
		}
		if strings.TrimSpace(q.Text) == "" || strings.TrimSpace(q.Help) == "" || strings.TrimSpace(q.Ref) == "" {
			return fmt.Errorf("%s: question, help and ref are required", where)
		}
		for _, f := range q.Facts {
			if _, err := factField(&Facts{}, f); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		if err := qn.checkOptions(q); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		// Branching may look only backwards (and end_if at the question itself), so the
		// path is decided in one pass and cannot loop.
		for _, c := range q.AskIf {
			if err := qn.checkClause(c); err != nil {
				return fmt.Errorf("%s: ask_if: %w", where, err)
			}
		}
		qn.index[q.ID] = i
		for _, c := range q.EndIf {
			if err := qn.checkClause(c); err != nil {
				return fmt.Errorf("%s: end_if: %w", where, err)
			}
		}
	}
	return nil
}

func (qn *Questionnaire) checkOptions(q *Question) error {
	switch q.Kind {
	case KindText, KindNumber:
		if len(q.Options) > 0 || len(q.Facts) != 1 {
			return fmt.Errorf("a %s question has no options and exactly one fact", q.Kind)
		}
		probe := json.RawMessage(`"x"`)
		if q.Kind == KindNumber {
			probe = json.RawMessage(`1`)
		}
		if err := setFact(&Facts{}, q.Facts[0], probe); err != nil {
			return err
		}
		return nil
	}
	if len(q.Options) < 2 {
		return fmt.Errorf("a %s question needs at least two options", q.Kind)
	}
	seen := map[string]bool{}
	used := map[string]bool{}
	for _, o := range q.Options {
		if o.ID == "" || o.ID == NotSure || strings.ContainsAny(o.ID, ". ") || seen[o.ID] {
			return fmt.Errorf("option id %q: empty, duplicate, reserved or holding a dot or space", o.ID)
		}
		seen[o.ID] = true
		if strings.TrimSpace(o.Label) == "" {
			return fmt.Errorf("option %q: label is required", o.ID)
		}
		if o.Exclusive && q.Kind != KindMulti {
			return fmt.Errorf("option %q: only a multi question has exclusive options", o.ID)
		}
		var f Facts
		for _, a := range o.Sets {
			if !slices.Contains(q.Facts, a.Fact) {
				return fmt.Errorf("option %q sets %q, which the question does not declare in facts", o.ID, a.Fact)
			}
			if err := setFact(&f, a.Fact, a.Value); err != nil {
				return fmt.Errorf("option %q: %w", o.ID, err)
			}
			used[a.Fact] = true
		}
		if err := f.Validate(); err != nil {
			return fmt.Errorf("option %q: %w", o.ID, err)
		}
	}
	for _, f := range q.Facts {
		if !used[f] {
			return fmt.Errorf("fact %q is declared but no option sets it", f)
		}
	}
	return nil
}

// checkClause checks the references of a clause against the questions indexed so far.
func (qn *Questionnaire) checkClause(c Clause) error {
	if len(c) == 0 {
		return fmt.Errorf("empty clause")
	}
	for _, ref := range c {
		qid, oid, ok := strings.Cut(ref, ".")
		i, known := qn.index[qid]
		if !ok || !known {
			return fmt.Errorf("%q does not name an earlier question", ref)
		}
		q := &qn.Questions[i]
		if _, ok := q.Option(oid); !ok && oid != NotSure {
			return fmt.Errorf("%q: question %q has no option %q", ref, qid, oid)
		}
	}
	return nil
}

// Check validates an answer to the question, naming what is wrong in plain words.
func (q *Question) Check(a Answer) error {
	if a.NotSure {
		if len(a.Choices) > 0 || a.Value != "" {
			return fmt.Errorf("choose either an answer or “not sure”, not both")
		}
		return nil
	}
	switch q.Kind {
	case KindText:
		if len(a.Choices) > 0 {
			return fmt.Errorf("this question takes text")
		}
		if utf8.RuneCountInString(a.Value) > maxTextAnswer || !utf8.ValidString(a.Value) {
			return fmt.Errorf("keep the answer under %d characters", maxTextAnswer)
		}
		return nil
	case KindNumber:
		if len(a.Choices) > 0 {
			return fmt.Errorf("this question takes a number")
		}
		if _, err := parseAmount(a.Value); err != nil {
			return err
		}
		return nil
	}
	if a.Value != "" {
		return fmt.Errorf("choose one of the options")
	}
	if len(a.Choices) == 0 {
		if q.Kind == KindMulti {
			return fmt.Errorf("choose at least one option, “none of these” or “not sure”")
		}
		return fmt.Errorf("choose an option or “not sure”")
	}
	if q.Kind == KindSingle && len(a.Choices) > 1 {
		return fmt.Errorf("choose only one option")
	}
	for i, c := range a.Choices {
		o, ok := q.Option(c)
		if !ok {
			if c == NotSure {
				return fmt.Errorf("choose either an answer or “not sure”, not both")
			}
			return fmt.Errorf("%q is not one of the options", c)
		}
		if slices.Contains(a.Choices[:i], c) {
			return fmt.Errorf("%q is chosen twice", c)
		}
		if o.Exclusive && len(a.Choices) > 1 {
			return fmt.Errorf("“%s” cannot be combined with other options", o.Label)
		}
	}
	return nil
}

// parseAmount reads a number answer: plain or scientific notation ("3e24", "3 × 10^24" is
// not accepted), finite and not below 0.
func parseAmount(s string) (float64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, fmt.Errorf("enter a number, for example 3e24, or choose “not sure”")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("enter a number such as 3e24 or 300000000000000000000000")
	}
	if v < 0 {
		return 0, fmt.Errorf("the amount cannot be below 0")
	}
	return v, nil
}

// chosen reports whether a "question.option" reference was chosen in the answers.
func chosen(a Answers, ref string) bool {
	qid, oid, _ := strings.Cut(ref, ".")
	ans, ok := a[qid]
	if !ok {
		return false
	}
	if oid == NotSure {
		return ans.NotSure
	}
	return slices.Contains(ans.Choices, oid)
}

func holds(clauses []Clause, a Answers) bool {
	for _, c := range clauses {
		if !slices.ContainsFunc(c, func(ref string) bool { return chosen(a, ref) }) {
			return false
		}
	}
	return true
}

// Path lists the questions asked for these answers, in order: each question whose ask_if
// holds on the answers to the questions before it, up to one whose end_if holds. Answers to
// questions off the path (left over from a changed earlier answer) are ignored.
func (qn *Questionnaire) Path(a Answers) []*Question {
	onPath := Answers{} // only answers on the path count for later conditions
	var path []*Question
	for i := range qn.Questions {
		q := &qn.Questions[i]
		if !holds(q.AskIf, onPath) {
			continue
		}
		path = append(path, q)
		ans, ok := a[q.ID]
		if !ok {
			continue
		}
		onPath[q.ID] = ans
		if len(q.EndIf) > 0 && holds(q.EndIf, onPath) {
			break
		}
	}
	return path
}

// Next returns the question after the one with id after on the path (the first question when
// after is empty), or nil when the questionnaire is complete. An id off the path gives the
// first unanswered question, so a stale form cannot skip one.
func (qn *Questionnaire) Next(a Answers, after string) *Question {
	path := qn.Path(a)
	if after == "" {
		return path[0]
	}
	for i, q := range path {
		if q.ID == after {
			if i+1 < len(path) {
				return path[i+1]
			}
			return qn.Missing(a)
		}
	}
	return qn.Missing(a)
}

// Previous returns the question before the one with id before on the path (the last
// question when before is empty), or nil at the first question.
func (qn *Questionnaire) Previous(a Answers, before string) *Question {
	path := qn.Path(a)
	if before == "" {
		return path[len(path)-1]
	}
	for i, q := range path {
		if q.ID == before {
			if i == 0 {
				return nil
			}
			return path[i-1]
		}
	}
	return nil
}

// Missing returns the first question on the path without an answer, or nil.
func (qn *Questionnaire) Missing(a Answers) *Question {
	for _, q := range qn.Path(a) {
		if _, ok := a[q.ID]; !ok {
			return q
		}
	}
	return nil
}

// Progress gives the 1-based position of question id on the path and the path's length as
// the answers stand (later answers may still lengthen or shorten it).
func (qn *Questionnaire) Progress(a Answers, id string) (n, total int) {
	path := qn.Path(a)
	for i, q := range path {
		if q.ID == id {
			return i + 1, len(path)
		}
	}
	return len(path), len(path)
}

// Outcome turns complete answers into facts and the open points: the ids of the questions
// on the path answered "not sure", in order. A question answered "not sure" sets nothing,
// so the facts hold only what the person was sure of.
func (qn *Questionnaire) Outcome(a Answers) (Facts, []string, error) {
	var f Facts
	var open []string
	for _, q := range qn.Path(a) {
		ans, ok := a[q.ID]
		if !ok {
			return Facts{}, nil, fmt.Errorf("question %q is not answered yet", q.ID)
		}
		if err := q.Check(ans); err != nil {
			return Facts{}, nil, fmt.Errorf("question %q: %w", q.ID, err)
		}
		if ans.NotSure {
			open = append(open, q.ID)
			continue
		}
		if err := q.apply(&f, ans); err != nil {
			return Facts{}, nil, fmt.Errorf("question %q: %w", q.ID, err)
		}
	}
	if err := f.Validate(); err != nil {
		return Facts{}, nil, err
	}
	return f, open, nil
}

func (q *Question) apply(f *Facts, ans Answer) error {
	switch q.Kind {
	case KindText:
		v := strings.TrimSpace(ans.Value)
		if v == "" {
			return nil
		}
		raw, _ := json.Marshal(v)
		return setFact(f, q.Facts[0], raw)
	case KindNumber:
		v, err := parseAmount(ans.Value)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(v)
		return setFact(f, q.Facts[0], raw)
	}
	for _, c := range ans.Choices {
		o, _ := q.Option(c)
		for _, s := range o.Sets {
			if err := setFact(f, s.Fact, s.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// Prefill derives default answers from facts already recorded (a system in the register), so
// a person re-classifying confirms or changes them instead of starting blank. Options with no
// fact of their own (the Annex III areas) are chosen when a question they lead to is. The
// result suggests; it is not an answer until the person submits it.
func (qn *Questionnaire) Prefill(f Facts) Answers {
	pre := Answers{}
	for i := len(qn.Questions) - 1; i >= 0; i-- { // later questions first: areas follow their points
		q := &qn.Questions[i]
		switch q.Kind {
		case KindText:
			if v, _ := factField(&f, q.Facts[0]); v.IsValid() {
				pre[q.ID] = Answer{Value: v.String()} // an empty name is an answer too
			}
			continue
		case KindNumber:
			if v, _ := factField(&f, q.Facts[0]); v.IsValid() && v.Float() > 0 {
				pre[q.ID] = Answer{Value: strconv.FormatFloat(v.Float(), 'g', -1, 64)}
			}
			continue
		}
		var choices []string
		var none string
		for _, o := range q.Options {
			switch {
			case o.Exclusive, q.Kind == KindSingle && len(o.Sets) == 0:
				none = o.ID // "none of these", or a "no" that sets nothing: what absent facts mean
			case len(o.Sets) > 0 && setsHold(&f, o.Sets):
				choices = append(choices, o.ID)
			case len(o.Sets) == 0 && qn.leadsToChosen(q.ID+"."+o.ID, pre):
				choices = append(choices, o.ID)
			}
		}
		if q.Kind == KindSingle && len(choices) > 1 {
			choices = choices[:1]
		}
		if len(choices) == 0 && none != "" {
			choices = []string{none}
		}
		if len(choices) > 0 {
			pre[q.ID] = Answer{Choices: choices}
		}
	}
	return pre
}

// leadsToChosen reports whether a question gated on ref has a prefilled option that sets a fact.
func (qn *Questionnaire) leadsToChosen(ref string, pre Answers) bool {
	for i := range qn.Questions {
		q := &qn.Questions[i]
		if !slices.ContainsFunc(q.AskIf, func(c Clause) bool { return slices.Contains(c, ref) }) {
			continue
		}
		for _, c := range pre[q.ID].Choices {
			if o, ok := q.Option(c); ok && len(o.Sets) > 0 {
				return true
			}
		}
	}
	return false
}

func setsHold(f *Facts, sets []Assignment) bool {
	for _, s := range sets {
		v, err := factField(f, s.Fact)
		if err != nil {
			return false
		}
		want := reflect.New(v.Type())
		if v.Kind() == reflect.Slice {
			want = reflect.New(v.Type().Elem())
		}
		if json.Unmarshal(s.Value, want.Interface()) != nil {
			return false
		}
		switch {
		case v.Kind() == reflect.Slice:
			found := false
			for i := range v.Len() {
				if v.Index(i).Interface() == want.Elem().Interface() {
					found = true
				}
			}
			if !found {
				return false
			}
		case v.Type() == reflect.TypeFor[ExcludedPurpose]():
			got := v.Interface().(ExcludedPurpose)
			if got == "" {
				got = ExcludedNone
			}
			if got != want.Elem().Interface().(ExcludedPurpose) {
				return false
			}
		default:
			if v.Interface() != want.Elem().Interface() {
				return false
			}
		}
	}
	return true
}

// factField finds the field at a facts path such as "gpai.is_gpai_model".
func factField(f *Facts, path string) (reflect.Value, error) {
	v := reflect.ValueOf(f).Elem()
	parts := strings.Split(path, ".")
	for i, p := range parts {
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, fmt.Errorf("unknown fact %q", path)
		}
		found := false
		for j := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(j).Tag.Get("json"), ",")
			if name == p {
				v, found = v.Field(j), true
				break
			}
		}
		if !found {
			return reflect.Value{}, fmt.Errorf("unknown fact %q", path)
		}
		if i == len(parts)-1 && v.Kind() == reflect.Struct {
			return reflect.Value{}, fmt.Errorf("fact %q is a group, not a value", path)
		}
	}
	return v, nil
}

// setFact sets a scalar fact, or adds a value to a list fact, from JSON. The JSON type must
// match the fact's; enumeration values are checked by Facts.Validate.
func setFact(f *Facts, path string, raw json.RawMessage) error {
	v, err := factField(f, path)
	if err != nil {
		return err
	}
	target := v.Type()
	if v.Kind() == reflect.Slice {
		target = target.Elem()
	}
	val := reflect.New(target)
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return fmt.Errorf("fact %q: a value is required", path)
	}
	if err := json.Unmarshal(raw, val.Interface()); err != nil {
		return fmt.Errorf("fact %q: value %s does not fit: %v", path, raw, err)
	}
	if v.Kind() != reflect.Slice {
		v.Set(val.Elem())
		return nil
	}
	for i := range v.Len() {
		if v.Index(i).Interface() == val.Elem().Interface() {
			return nil
		}
	}
	v.Set(reflect.Append(v, val.Elem()))
	return nil
}
