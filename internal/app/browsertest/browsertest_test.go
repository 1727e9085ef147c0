package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/example/messages-api/internal/app/browsertest"
)

// page answers a click after a round trip, the way the SPA does: the
// result element is filled only when the fetch is back.
const page = `<!doctype html>
<button id="call">call</button><button id="fail">fail</button><div id="result" data-status="999">stale</div><p id="user"></p>
<script>
const show = (status, text) => { const e = document.getElementById("result"); if (status) e.dataset.status = status; e.textContent = text; };
document.getElementById("call").onclick = async () => { const r = await fetch("/api"); show(String(r.status), await r.text()); };
document.getElementById("fail").onclick = async () => { await fetch("/api"); show("", "Login required"); };
</script>`

func TestActions(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api" {
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprint(w, "body")
			return
		}
		fmt.Fprint(w, page)
	}))
	defer srv.Close()
	ctx := browsertest.Start(t).Tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		button string
		want   browsertest.Result
	}{
		{"#call", browsertest.Result{Status: "418", Text: "body"}},
		{"#fail", browsertest.Result{Status: "", Text: "Login required"}},
	}
	for _, tt := range tests {
		got, err := browsertest.Call(ctx, tt.button, "#result")
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v (%v), want %+v", tt.button, got, err, tt.want)
		}
	}
	if err := browsertest.WaitEmpty(ctx, "#user"); err != nil {
		t.Error(err)
	}
	if got, err := browsertest.WaitText(ctx, "#result"); err != nil || got != "Login required" {
		t.Errorf("got text %q (%v), want Login required", got, err)
	}
}
