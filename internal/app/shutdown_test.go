package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/annexa-dev/annexa/internal/app"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// TestGracefulShutdown starts a request whose body is still arriving, stops the server, then
// finishes the body: the request must complete and its write must be kept, and the server
// must refuse new connections afterwards.
func TestGracefulShutdown(t *testing.T) {
	cfg := storetest.Engines()[0].Config(t)
	m := &app.Main{Config: app.Config{DataDir: cfg.DataDir, Addr: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Out: io.Discard, ShutdownTimeout: 10 * time.Second}}
	if err := m.Open(bg); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	o, admin, err := m.DB.Bootstrap(bg, "Acme", auth.NewUser{Email: "a@acme.test", Password: "a long enough password"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := m.DB.CreateToken(bg, o.ID, admin.ID, auth.NewTokenRequest{Name: "t"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PATCH", m.URL()+"/api/v1/organisation", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	got := make(chan *http.Response, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request: %v", err)
			got <- nil
			return
		}
		got <- res
	}()
	if _, err := pw.Write([]byte(`{"aims_scope": "written during `)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the request is now in the handler, reading its body
	cancel()
	time.Sleep(200 * time.Millisecond) // shutdown has begun and is waiting for the request
	if _, err := pw.Write([]byte(`shutdown"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res := <-got
	if res == nil {
		t.FailNow()
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("in-flight request: %d", res.StatusCode)
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	saved, err := m.DB.Organisation(bg, o.ID)
	if err != nil || saved.AIMSScope != "written during shutdown" {
		t.Fatalf("write lost across shutdown: %q %v", saved.AIMSScope, err)
	}
	if _, err := http.Get(m.URL() + "/healthz"); err == nil {
		t.Fatal("the server still accepts connections after shutdown")
	}
}
