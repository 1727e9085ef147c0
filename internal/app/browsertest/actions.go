package browsertest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/chromedp/chromedp"
)

// StepTimeout bounds one wait, so a page that never gets there fails its
// own test and leaves the browser to the next.
const StepTimeout = 30 * time.Second

// LogIn fills the dev tenant's login page (inputs named username and
// password) and submits it. It waits for the form, not for what follows.
func LogIn(ctx context.Context, username, password string) error {
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
	); err != nil {
		return fmt.Errorf("log in as %s: %w", username, err)
	}
	return nil
}

// Until waits until the page has an element sel for which the JavaScript
// expression cond (over the element, named e) is true. It rides through
// navigations: chromedp retries the lookup in whatever page is current,
// so a wait may start before a redirect chain ends.
func Until(ctx context.Context, sel, cond string) error {
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	path := `(() => { const e = document.querySelector(` + strconv.Quote(sel) + `); return e && (` + cond + `) ? e : null; })()`
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.JSPath(path))); err != nil {
		return fmt.Errorf("wait for %s with %s: %w", sel, cond, err)
	}
	return nil
}

// WaitText waits until the element sel has some text, and returns it.
func WaitText(ctx context.Context, sel string) (string, error) {
	if err := Until(ctx, sel, `e.textContent.trim() !== ""`); err != nil {
		return "", err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(sel)+`).textContent`))
}

// WaitEmpty waits until the element sel exists and has no text.
func WaitEmpty(ctx context.Context, sel string) error {
	return Until(ctx, sel, `e.textContent.trim() === ""`)
}

// Result is what a page shows for one call: the data-status attribute (""
// when the page shows no HTTP status) and the text.
type Result struct {
	Status string `json:"status"`
	Text   string `json:"text"`
}

// Call clears the element result, clicks button, and waits until result
// shows a data-status or some text again: never the previous call's.
func Call(ctx context.Context, button, result string) (Result, error) {
	q := strconv.Quote(result)
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector(`+q+`); if (e) { e.removeAttribute("data-status"); e.textContent = ""; } })()`),
		chromedp.Click(chromedp.CSS(button)),
	); err != nil {
		return Result{}, fmt.Errorf("click %s: %w", button, err)
	}
	if err := Until(ctx, result, `e.hasAttribute("data-status") || e.textContent.trim() !== ""`); err != nil {
		return Result{}, err
	}
	// One read of both, from the page itself.
	return chromedp.Run(ctx, chromedp.Evaluate[Result](
		`(() => { const e = document.querySelector(`+q+`); return {status: e.getAttribute("data-status") || "", text: e.textContent}; })()`))
}
