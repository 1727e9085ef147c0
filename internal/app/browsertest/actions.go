package browsertest

import (
	"context"
	"fmt"
	"strconv"

	"github.com/chromedp/chromedp"
)

// LogIn fills the dev tenant's login page (inputs named username and
// password) and submits it. It waits for the form, not for what follows.
func LogIn(ctx context.Context, username, password string) error {
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

// WaitText waits until the element sel exists and its text is not empty,
// and returns that text.
func WaitText(ctx context.Context, sel string) (string, error) {
	q := strconv.Quote(sel)
	text, err := chromedp.Run(ctx, chromedp.Poll[string](
		`(() => { const e = document.querySelector(`+q+`); return e && e.textContent.trim() !== "" ? e.textContent : ""; })()`))
	if err != nil {
		return "", fmt.Errorf("wait for text in %s: %w", sel, err)
	}
	return text, nil
}

// WaitEmpty waits until the element sel exists and has no text.
func WaitEmpty(ctx context.Context, sel string) error {
	q := strconv.Quote(sel)
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
		`(() => { const e = document.querySelector(`+q+`); return e !== null && e.textContent.trim() === ""; })()`)); err != nil {
		return fmt.Errorf("wait for %s to be empty: %w", sel, err)
	}
	return nil
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
	r, err := chromedp.Run(ctx, chromedp.Poll[Result](
		`(() => { const e = document.querySelector(`+q+`);
			if (!e || (!e.hasAttribute("data-status") && e.textContent.trim() === "")) return null;
			return {status: e.getAttribute("data-status") || "", text: e.textContent}; })()`))
	if err != nil {
		return Result{}, fmt.Errorf("wait for %s after clicking %s: %w", result, button, err)
	}
	return r, nil
}
