package store_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"testing"

	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// benchRegister is n CSV rows spread over vendors, stages and EU AI Act situations.
func benchRegister(n int) []byte {
	facts := []string{
		`{"eu_nexus": {"deployer_established_in_eu": true}}`,
		`{"eu_nexus": {"deployer_established_in_eu": true}, "annex_iii_use_cases": ["4a"], "profiling_of_natural_persons": true}`,
		`{"eu_nexus": {"deployer_established_in_eu": true}, "transparency_indicators": ["interacts_directly_with_natural_persons"]}`,
		`{}`,
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"name", "intended_purpose", "sourcing", "vendor", "eu_ai_act_roles", "lifecycle_stage", "models", "facts"})
	for i := 0; i < n; i++ {
		w.Write([]string{fmt.Sprintf("System %05d", i), "Purpose " + fmt.Sprint(i), "third_party", "Vendor " + fmt.Sprint(i%20), "deployer",
			"operation_and_monitoring", fmt.Sprintf("model-%d@1 (P)", i%7), facts[i%len(facts)]})
	}
	w.Flush()
	return b.Bytes()
}

// Benchmarks on each engine: go test ./internal/store -run XXX -bench Systems -benchtime 20x
func BenchmarkImportSystems(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			file := benchRegister(1000)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.Open(b, e)
				o, err := db.CreateOrganisation(ctx, "Bench", cli)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				rows, err := inventory.ReadCSV(bytes.NewReader(file))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.ImportSystems(ctx, o.ID, rows, inventory.ImportOptions{}, cli); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*1000), "µs/row")
		})
	}
}

func BenchmarkListSystems(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			db := storetest.Open(b, e)
			o, _ := db.CreateOrganisation(ctx, "Bench", cli)
			rows, _ := inventory.ReadCSV(bytes.NewReader(benchRegister(2000)))
			if _, err := db.ImportSystems(ctx, o.ID, rows, inventory.ImportOptions{}, cli); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := db.Systems(ctx, o.ID, inventory.Filter{}, store.PageRequest{Limit: 1000})
				if err != nil || len(p.Items) != 1000 {
					b.Fatal(err)
				}
			}
		})
	}
}
