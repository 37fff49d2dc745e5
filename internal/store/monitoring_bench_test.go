package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// BenchmarkPushReadings measures a pipeline's push of 100 readings over 10 metrics of one AI
// system, one in ten outside its bounds (so alerts open and count): what each scheduled
// monitoring job costs. go test ./internal/store -run XXX -bench PushReadings
func BenchmarkPushReadings(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, e)
			actor := auditlog.System("bench")
			o, err := db.CreateOrganisation(ctx, "Bench", actor)
			if err != nil {
				b.Fatal(err)
			}
			sys, err := db.CreateSystem(ctx, o.ID, inventory.Input{Name: ptr("Scoring model")}, actor)
			if err != nil {
				b.Fatal(err)
			}
			for i := range 10 {
				if _, err := db.CreateMetric(ctx, o.ID, sys.ID, monitor.MetricInput{Name: ptr(fmt.Sprintf("m%d", i)), Kind: ptr(monitor.Performance), Max: ptr(0.9)}, actor); err != nil {
					b.Fatal(err)
				}
			}
			rs := make([]monitor.Reading, 100)
			for i := range rs {
				v := 0.5
				if i%10 == 0 {
					v = 0.95
				}
				rs[i] = monitor.Reading{Metric: fmt.Sprintf("m%d", i%10), Value: v}
			}
			b.ResetTimer()
			for range b.N {
				if _, err := db.PushReadings(ctx, o.ID, sys.ID, rs, actor); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
