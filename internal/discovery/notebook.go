package discovery

import (
	"bytes"
	"encoding/json"
	"strings"
)

type notebook struct {
	Cells []struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
	} `json:"cells"`
	Metadata struct {
		Kernelspec struct {
			Language string `json:"language"`
		} `json:"kernelspec"`
		LanguageInfo struct {
			Name string `json:"name"`
		} `json:"language_info"`
	} `json:"metadata"`
}

// parseNotebook reads a Jupyter notebook's code cells (markdown cells are prose, not use) and
// applies the source rules of the notebook's language, Python by default. Findings point at the
// line of the .ipynb file that holds the cell's source line.
func parseNotebook(sigs *Signatures, rel string, data []byte) ([]Finding, []Warning) {
	var nb notebook
	if err := json.Unmarshal(data, &nb); err != nil {
		return nil, []Warning{jsonWarning(rel, data, err)}
	}
	lang := "python"
	switch l := strings.ToLower(nb.Metadata.LanguageInfo.Name + nb.Metadata.Kernelspec.Language); {
	case strings.HasPrefix(l, "javascript"), strings.HasPrefix(l, "typescript"):
		lang = "javascript"
	case strings.HasPrefix(l, "ruby"):
		lang = "ruby"
	}
	var out []Finding
	cursor := 0
	for _, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		var src string
		var parts []string
		if json.Unmarshal(c.Source, &parts) == nil {
			src = strings.Join(parts, "")
		} else if json.Unmarshal(c.Source, &src) != nil {
			continue
		}
		for _, line := range strings.Split(src, "\n") {
			if !sigs.prefilter.match([]byte(line)) {
				continue
			}
			// Find the line in the file: nbformat writes each source line as its own JSON
			// string, so the encoded line's first occurrence after the previous hit is it.
			lineNo := 0
			if enc, err := json.Marshal(line); err == nil {
				needle := enc[:len(enc)-1] // without the closing quote: the file's string ends in \n"
				if i := bytes.Index(data[cursor:], needle); i >= 0 {
					cursor += i
					lineNo = bytes.Count(data[:cursor], []byte{'\n'}) + 1
				}
			}
			out = append(out, lineImports(sigs, lang, rel, lineNo, line)...)
			out = append(out, lineSignals(sigs, rel, lineNo, line)...)
		}
	}
	return out, nil
}
