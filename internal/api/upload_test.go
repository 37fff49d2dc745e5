package api

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/annexa-dev/annexa/internal/fault"
)

// The import limit is 64 MiB; readUpload takes the limit as a parameter so the refusal of a
// larger file can be tested with a small one.
func TestReadUploadLimits(t *testing.T) {
	raw := func(body string) (string, []byte, error) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		return readUpload(httptest.NewRecorder(), r, 16)
	}
	form := func(field, body string) (string, []byte, error) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("note", "ignored")
		fw, _ := mw.CreateFormFile(field, "apps.csv")
		fw.Write([]byte(body))
		mw.Close()
		r := httptest.NewRequest("POST", "/", &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		return readUpload(httptest.NewRecorder(), r, 16)
	}
	if name, data, err := raw("name\nZoom\n"); err != nil || name != "upload" || string(data) != "name\nZoom\n" {
		t.Fatalf("raw body: %q %q %v", name, data, err)
	}
	if _, _, err := raw(strings.Repeat("x", 17)); !fault.Is(err, fault.TooLarge) {
		t.Fatalf("raw body over the limit: %v", err)
	}
	if _, _, err := raw(strings.Repeat("x", 16)); err != nil {
		t.Fatalf("raw body at the limit: %v", err)
	}
	if name, data, err := form("file", "name\nZoom\n"); err != nil || name != "apps.csv" || string(data) != "name\nZoom\n" {
		t.Fatalf("multipart: %q %q %v", name, data, err)
	}
	if _, _, err := form("file", strings.Repeat("x", 17)); !fault.Is(err, fault.TooLarge) {
		t.Fatalf("multipart over the limit: %v", err)
	}
	if _, _, err := form("document", "name\n"); !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "file") {
		t.Fatalf("multipart without a file part: %v", err)
	}
}
