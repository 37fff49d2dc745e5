package aiact_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
)

func ExampleClassify() {
	facts, err := aiact.DecodeFacts(strings.NewReader(`{
		"name": "Loan approval scoring",
		"roles": ["deployer"],
		"eu_nexus": {"deployer_established_in_eu": true},
		"annex_iii_use_cases": ["5b"],
		"profiling_of_natural_persons": true
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := aiact.Classify(facts, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Tier, *res.HighRiskBasis)
	for _, r := range res.Reasons {
		fmt.Println(r.Ref)
	}
	for _, o := range res.Obligations {
		fmt.Println(o.Role, o.Ref, o.AppliesFrom, *o.InEffect)
	}
	// Output:
	// high annex_iii
	// Art. 2(1)(b)
	// Art. 6(2), Annex III 5(b)
	// Art. 27(1)
	// deployer Art. 4 2025-02-02 true
	// deployer Art. 25 2027-12-02 false
	// deployer Art. 26 2027-12-02 false
	// deployer Art. 27 2027-12-02 false
}

func ExampleDecodeFacts() {
	_, err := aiact.DecodeFacts(strings.NewReader(`{"gpai": {"is_gpai_model": true, "flops": 1e26}}`))
	fmt.Println(err)
	// Output:
	// invalid facts: gpai.flops: unknown field
}
