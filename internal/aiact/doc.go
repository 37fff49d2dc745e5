// Package aiact classifies AI systems and general-purpose AI models under the EU AI Act
// (Regulation (EU) 2024/1689 as amended) and lists the obligations that follow for each of the
// organisation's roles.
//
// The input and output are the contracts in shared/spec/ai-act-facts.schema.json and
// shared/spec/ai-act-result.schema.json. The rules, the eu-ai-act catalog and the timeline of
// application dates are data read from catalogs.FS (catalogs/aiact/ and
// catalogs/frameworks/eu-ai-act-2024-1689.json); the code holds only the order of the
// decision. See docs/eu-ai-act.md.
//
// Typical use from a CLI command or an HTTP handler:
//
//	facts, err := aiact.DecodeFacts(r) // *aiact.FactsError names the bad field
//	if err != nil { ... }
//	result, err := aiact.Classify(facts, time.Now())
package aiact
