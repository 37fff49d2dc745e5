package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
)

// The guided EU AI Act questionnaire: one question per page, every answer a plain POST form,
// so it works without JavaScript. The answers so far travel in the form as hidden fields
// ("a.<question>" per chosen option or value, "ns" per question answered "not sure"), so
// nothing is stored until someone decides to save: no table, no server-side session state,
// and the browser's own Back button cannot desynchronise anything.

// QuestionnaireOptions adapt the questionnaire to where it is used: the stand-alone
// /classify page, or a system in the register (/ai-systems/{id}/classify).
type QuestionnaireOptions struct {
	// Action is the path the forms post to; the handler must be mounted there for GET and POST.
	// Empty means "/classify".
	Action string
	// Title heads every page, e.g. "Classify CV screener". Empty gives a generic title.
	Title string
	// Nav marks the main-navigation entry as current ("classify" by default).
	Nav string
	// Start, when set, pre-selects answers derived from facts already recorded, so the person
	// confirms or changes them rather than starting blank.
	Start *aiact.Facts
	// Done, when set, puts a save button on the result page. It runs on that POST (already
	// CSRF-checked) with the outcome; it must check the principal may change the record, save,
	// and return where to go next (303). An error is shown as an error page. Without Done the
	// questionnaire changes nothing.
	Done func(w http.ResponseWriter, r *http.Request, p auth.Principal, o QuestionnaireOutcome) (redirect string, err error)
	// DoneLabel labels the save button ("Save to the register" by default).
	DoneLabel string
}

// QuestionnaireOutcome is what a completed questionnaire produced.
type QuestionnaireOutcome struct {
	Facts aiact.Facts
	// OpenPoints are the ids of the questions answered "not sure", in the order asked; the
	// facts leave out what they would have set.
	OpenPoints []string
	Result     aiact.Result
}

// QuestionnaireFor returns a page handler (for signedIn) serving the questionnaire with the
// options setup gives for the request, so the register can pre-fill a system's facts and
// save the outcome:
//
//	h := s.signedIn(s.QuestionnaireFor(func(r *http.Request, p auth.Principal) (QuestionnaireOptions, error) {
//		sys, err := ... load r.PathValue("id") in p.OrgID ...
//		return QuestionnaireOptions{Action: r.URL.Path, Title: "Classify " + sys.Name, Start: &sys.Facts, Done: save}, err
//	}))
//	handle("GET /ai-systems/{id}/classify", h)
//	handle("POST /ai-systems/{id}/classify", h)
func (s *Server) QuestionnaireFor(setup func(r *http.Request, p auth.Principal) (QuestionnaireOptions, error)) func(http.ResponseWriter, *http.Request, auth.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		opts, err := setup(r, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.questionnaire(w, r, p, opts)
	}
}

// classifyPage is the stand-alone questionnaire: any signed-in role may use it, because it
// records nothing.
func (s *Server) classifyPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.questionnaire(w, r, p, QuestionnaireOptions{})
}

type qnOption struct {
	ID, Label, Help, InputID string
	Checked, Exclusive       bool
}

type qnHidden struct{ Name, Value string }

type questionView struct {
	Title, Action string
	Q             *aiact.Question
	Options       []qnOption
	Value         string // text or number answer
	NotSure       bool
	Number, Total int
	First         bool
	Hidden        []qnHidden
	Error         string
}

type roleObligations struct {
	Role, Label string
	Items       []obligationView
}

// obligationView adds what a template cannot read from a *bool.
type obligationView struct {
	aiact.Obligation
	InForce bool
}

type openPoint struct{ ID, Question, Ref string }

type resultView struct {
	Title, Action, Name string
	TierLabel, Tier     string
	Result              aiact.Result
	ByRole              []roleObligations
	Open                []openPoint
	FactsJSON           string
	Hidden              []qnHidden
	CanSave             bool
	DoneLabel           string
}

func (s *Server) questionnaire(w http.ResponseWriter, r *http.Request, p auth.Principal, opts QuestionnaireOptions) {
	if opts.Action == "" {
		opts.Action = "/classify"
	}
	if opts.Nav == "" {
		opts.Nav = "classify"
	}
	if opts.Title == "" {
		opts.Title = "EU AI Act classification"
	}
	if opts.DoneLabel == "" {
		opts.DoneLabel = "Save to the register"
	}
	qn, err := aiact.DefaultQuestionnaire()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pre := aiact.Answers{}
	if opts.Start != nil {
		pre = qn.Prefill(*opts.Start)
	}
	if r.Method == http.MethodGet {
		s.renderQuestion(w, r, p, opts, qn, aiact.Answers{}, pre, qn.Next(aiact.Answers{}, ""), "", http.StatusOK)
		return
	}

	answers, err := answersFromForm(qn, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	current := r.PostFormValue("q")
	switch r.PostFormValue("go") {
	case "back":
		prev := qn.Previous(answers, current)
		if prev == nil {
			prev = qn.Next(answers, "")
		}
		s.renderQuestion(w, r, p, opts, qn, answers, pre, prev, "", http.StatusOK)
		return
	case "save":
		if opts.Done == nil {
			s.fail(w, r, fault.New(fault.NotFound, "there is nothing to save the classification to here"))
			return
		}
		if missing := qn.Missing(answers); missing != nil {
			s.renderQuestion(w, r, p, opts, qn, answers, pre, missing, "Answer this question before saving.", http.StatusUnprocessableEntity)
			return
		}
		out, err := outcome(qn, answers)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		to, err := opts.Done(w, r, p, out)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, safeNext(to), http.StatusSeeOther)
		return
	}

	if current != "" { // an answer to the question shown
		q, ok := qn.Question(current)
		if !ok {
			s.fail(w, r, fault.New(fault.Invalid, "the form names an unknown question; start again"))
			return
		}
		ans := aiact.Answer{Value: strings.TrimSpace(r.PostFormValue("value"))}
		for _, c := range r.PostForm["answer"] {
			if c == aiact.NotSure {
				ans.NotSure = true
			} else {
				ans.Choices = append(ans.Choices, c)
			}
		}
		if ans.NotSure && q.Kind != aiact.KindSingle && q.Kind != aiact.KindMulti {
			ans.Value = "" // the "not sure" box beside a text or number field wins
		}
		if err := q.Check(ans); err != nil {
			s.renderQuestion(w, r, p, opts, qn, answers, pre, q, capitalise(err.Error())+".", http.StatusUnprocessableEntity)
			return
		}
		answers[q.ID] = ans
	}
	if next := qn.Next(answers, current); next != nil {
		s.renderQuestion(w, r, p, opts, qn, answers, pre, next, "", http.StatusOK)
		return
	}
	out, err := outcome(qn, answers)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderResult(w, r, p, opts, qn, answers, out)
}

func outcome(qn *aiact.Questionnaire, a aiact.Answers) (QuestionnaireOutcome, error) {
	f, open, err := qn.Outcome(a)
	if err != nil {
		return QuestionnaireOutcome{}, fault.New(fault.Invalid, "%s", err.Error())
	}
	res, err := aiact.Classify(f, time.Now())
	if err != nil {
		return QuestionnaireOutcome{}, err
	}
	return QuestionnaireOutcome{Facts: f, OpenPoints: open, Result: res}, nil
}

// answersFromForm reads the hidden answers, checking each against its question so a
// tampered form cannot produce facts the questions would not.
func answersFromForm(qn *aiact.Questionnaire, r *http.Request) (aiact.Answers, error) {
	a := aiact.Answers{}
	for key, values := range r.PostForm {
		id, ok := strings.CutPrefix(key, "a.")
		if !ok {
			continue
		}
		q, known := qn.Question(id)
		if !known {
			return nil, fault.New(fault.Invalid, "the form carries an answer to an unknown question; start again")
		}
		ans := aiact.Answer{}
		if q.Kind == aiact.KindText || q.Kind == aiact.KindNumber {
			ans.Value = values[0]
		} else {
			ans.Choices = values
		}
		a[id] = ans
	}
	for _, id := range r.PostForm["ns"] {
		q, known := qn.Question(id)
		if _, dup := a[id]; !known || dup {
			return nil, fault.New(fault.Invalid, "the form carries an answer it cannot read; start again")
		}
		a[q.ID] = aiact.Answer{NotSure: true}
	}
	for id, ans := range a {
		q, _ := qn.Question(id)
		if err := q.Check(ans); err != nil {
			return nil, fault.New(fault.Invalid, "the answer carried for %q is not valid (%v); start again", id, err)
		}
	}
	return a, nil
}

// hiddenAnswers writes the answers back as hidden fields, in question order.
func hiddenAnswers(qn *aiact.Questionnaire, a aiact.Answers) []qnHidden {
	var out []qnHidden
	for _, q := range qn.Questions {
		ans, ok := a[q.ID]
		if !ok {
			continue
		}
		switch {
		case ans.NotSure:
			out = append(out, qnHidden{"ns", q.ID})
		case q.Kind == aiact.KindText || q.Kind == aiact.KindNumber:
			out = append(out, qnHidden{"a." + q.ID, ans.Value})
		default:
			for _, c := range ans.Choices {
				out = append(out, qnHidden{"a." + q.ID, c})
			}
		}
	}
	return out
}

func (s *Server) renderQuestion(w http.ResponseWriter, r *http.Request, p auth.Principal, opts QuestionnaireOptions, qn *aiact.Questionnaire, a, pre aiact.Answers, q *aiact.Question, problem string, status int) {
	shown, ok := a[q.ID]
	if !ok {
		shown = pre[q.ID]
	}
	if problem != "" { // show what was just submitted, not the earlier answer
		shown = aiact.Answer{Value: r.PostFormValue("value")}
		for _, c := range r.PostForm["answer"] {
			if c == aiact.NotSure {
				shown.NotSure = true
			} else {
				shown.Choices = append(shown.Choices, c)
			}
		}
	}
	n, total := qn.Progress(a, q.ID)
	v := questionView{Title: opts.Title, Action: opts.Action, Q: q, Value: shown.Value, NotSure: shown.NotSure,
		Number: n, Total: total, First: qn.Previous(a, q.ID) == nil, Hidden: hiddenAnswers(qn, a), Error: problem}
	for _, o := range q.Options {
		v.Options = append(v.Options, qnOption{ID: o.ID, Label: o.Label, Help: o.Help, InputID: "opt-" + o.ID,
			Checked: slices.Contains(shown.Choices, o.ID), Exclusive: o.Exclusive})
	}
	s.render(w, r, status, "classify_question", page{Title: q.Text + " · " + opts.Title, Nav: opts.Nav, Principal: &p, CSRF: csrfFrom(r), Data: v})
}

func (s *Server) renderResult(w http.ResponseWriter, r *http.Request, p auth.Principal, opts QuestionnaireOptions, qn *aiact.Questionnaire, a aiact.Answers, out QuestionnaireOutcome) {
	facts, _ := json.MarshalIndent(out.Facts, "", "  ")
	v := resultView{Title: opts.Title, Action: opts.Action, Name: out.Facts.Name, Tier: string(out.Result.Tier), TierLabel: tierLabel(out.Result.Tier),
		Result: out.Result, FactsJSON: string(facts), Hidden: hiddenAnswers(qn, a), CanSave: opts.Done != nil, DoneLabel: opts.DoneLabel}
	for _, role := range aiact.Roles {
		var items []obligationView
		for _, o := range out.Result.Obligations {
			if o.Role == role {
				items = append(items, obligationView{Obligation: o, InForce: o.InEffect != nil && *o.InEffect})
			}
		}
		if len(items) > 0 {
			v.ByRole = append(v.ByRole, roleObligations{Role: string(role), Label: "As " + strings.ReplaceAll(string(role), "_", " "), Items: items})
		}
	}
	for _, id := range out.OpenPoints {
		q, _ := qn.Question(id)
		v.Open = append(v.Open, openPoint{ID: q.ID, Question: q.Text, Ref: q.Ref})
	}
	s.render(w, r, http.StatusOK, "classify_result", page{Title: "Result · " + opts.Title, Nav: opts.Nav, Principal: &p, CSRF: csrfFrom(r), Data: v})
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
