package store

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/annexa-dev/annexa/internal/aiact"
)

// classificationCache keeps decoded classifications by their stored JSON. A register has
// many systems and few distinct classifications (the result depends only on the facts), and
// decoding them was most of the time spent listing 1,000 systems. Results are never changed
// in place (a new classification replaces the pointer), so one decoded value can be shared.
var classificationCache = struct {
	sync.RWMutex
	m map[string]*aiact.Result
}{m: map[string]*aiact.Result{}}

// maxCachedClassifications bounds the cache; when full it starts again empty.
const maxCachedClassifications = 4096

func decodeClassification(raw string) (*aiact.Result, error) {
	classificationCache.RLock()
	r, ok := classificationCache.m[raw]
	classificationCache.RUnlock()
	if ok {
		c := *r
		return &c, nil
	}
	var fresh aiact.Result
	if err := json.Unmarshal([]byte(raw), &fresh); err != nil {
		return nil, err
	}
	// Clipped, an append to a shared slice copies it rather than writing into the cache.
	fresh.Reasons, fresh.Obligations = slices.Clip(fresh.Reasons), slices.Clip(fresh.Obligations)
	fresh.TransparencyObligations, fresh.AnnexIIIPoints = slices.Clip(fresh.TransparencyObligations), slices.Clip(fresh.AnnexIIIPoints)
	classificationCache.Lock()
	if len(classificationCache.m) >= maxCachedClassifications {
		classificationCache.m = map[string]*aiact.Result{}
	}
	classificationCache.m[raw] = &fresh
	classificationCache.Unlock()
	c := fresh
	return &c, nil
}
