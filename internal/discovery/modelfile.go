package discovery

import (
	"bytes"
	"io"
	"os"
	"path"
)

// modelHeaderSize is how much of a model file is read: enough for the signatures and for the
// module names a pickle or HDF5 file names near its start, never the weights.
const modelHeaderSize = 64 << 10

func (s *Signatures) modelRule(lowerBase string) *modelFileRule {
	if r, ok := s.byName[lowerBase]; ok {
		return r
	}
	if r, ok := s.byExt[path.Ext(lowerBase)]; ok {
		return r
	}
	return nil
}

func (s *scanner) modelFile(rel string, r *modelFileRule) ([]Finding, []Warning) {
	f, err := os.Open(s.abs(rel))
	if err != nil {
		return nil, []Warning{{Path: rel, Message: "file skipped: " + unwrapPathError(err).Error()}}
	}
	defer f.Close()
	head := make([]byte, modelHeaderSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, []Warning{{Path: rel, Message: "file skipped: " + unwrapPathError(err).Error()}}
	}
	return classifyModel(rel, r, head[:n]), nil
}

// classifyModel decides from a model file's first bytes whether it is what its name says.
// A matching signature makes the finding high confidence; a format without a signature
// (Core ML, SavedModel) is medium; a file whose bytes contradict its extension is not reported,
// nor is a pickle or HDF5 file that names no ML library (it may hold plain data).
func classifyModel(rel string, r *modelFileRule, head []byte) []Finding {
	signed := len(r.Signatures) == 0
	for _, sig := range r.Signatures {
		if sig.Offset+len(sig.bytes) <= len(head) && bytes.Equal(head[sig.Offset:sig.Offset+len(sig.bytes)], sig.bytes) {
			signed = true
			break
		}
	}
	if !signed {
		return nil
	}
	conf := ConfidenceHigh
	if len(r.Signatures) == 0 {
		conf = ConfidenceMedium
	}
	tech := r.Technology
	if len(r.Markers) > 0 {
		marker := ""
		for _, m := range r.Markers {
			if bytes.Contains(head, []byte(m.Literal)) {
				tech, marker = m.Technology, m.Literal
				break
			}
		}
		if marker == "" && r.RequireMarker {
			return nil
		}
	}
	ev := r.Format + " model file " + path.Base(rel)
	return []Finding{{Path: rel, Kind: KindModelFile, Technology: tech, Evidence: ev, Confidence: conf}}
}
