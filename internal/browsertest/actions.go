package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The actions below find elements the way a person does: by the visible
// text of a field's <label> or of a button, never by ids or classes. A page
// that a test can drive this way is a page whose fields are labelled.

// xpathLiteral quotes s for XPath 1.0, which has no escape character.
func xpathLiteral(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	parts := strings.Split(s, "'")
	return "concat('" + strings.Join(parts, `', "'", '`) + "')"
}

// FieldByLabel is an XPath selector for the input, select or textarea that
// the <label> with exactly this text (spaces normalised) labels, through
// its for attribute or by containing it.
func FieldByLabel(label string) string {
	l := xpathLiteral(label)
	// A label that contains its field also contains the field's text (a
	// select's options), so its own first text node is compared too.
	lbl := fmt.Sprintf(`//label[normalize-space(.)=%[1]s or normalize-space(text()[1])=%[1]s]`, l)
	return fmt.Sprintf(`(//*[self::input or self::select or self::textarea][@id=%[1]s/@for]`+
		` | %[1]s//*[self::input or self::select or self::textarea])[1]`, lbl)
}

// ButtonByText is an XPath selector for a button (or submit input) with
// exactly this visible text.
func ButtonByText(text string) string {
	l := xpathLiteral(text)
	return fmt.Sprintf(`(//button[normalize-space(.)=%[1]s] | //input[(@type='submit' or @type='button') and @value=%[1]s])[1]`, l)
}

// Fill types value into the field labelled label, replacing what it held.
func Fill(label, value string) chromedp.Action[chromedp.Void] {
	sel := chromedp.Search(FieldByLabel(label))
	return chromedp.Steps(
		chromedp.WaitVisible(sel),
		chromedp.Clear(sel),
		chromedp.SendKeys(sel, value),
	)
}

// Select chooses the option with this value in the select labelled label.
func Select(label, value string) chromedp.Action[chromedp.Void] {
	sel := chromedp.Search(FieldByLabel(label))
	return chromedp.Steps(
		chromedp.WaitVisible(sel),
		chromedp.SetValue(sel, value),
	)
}

// Click presses the button with this text. For a button that submits a
// form, run it with Submit, which waits for the page it leads to.
func Click(text string) chromedp.Action[chromedp.Void] {
	sel := chromedp.Search(ButtonByText(text))
	return chromedp.Steps(
		chromedp.WaitVisible(sel),
		chromedp.Click(sel),
	)
}

// Submit presses the button with this text and waits until the page it
// leads to has loaded; it returns that page's HTTP status.
func Submit(ctx context.Context, text string) (int, error) {
	resp, err := chromedp.RunResponse(ctx, Click(text))
	if err != nil {
		return 0, fmt.Errorf("pressing %q: %w", text, err)
	}
	return int(resp.Status), nil
}

// Open loads url and returns its HTTP status.
func Open(ctx context.Context, url string) (int, error) {
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(url))
	if err != nil {
		return 0, fmt.Errorf("opening %s: %w", url, err)
	}
	return int(resp.Status), nil
}

// PageText is the visible text of the whole page. It is evaluated in the
// page as it is now rather than through a queried node: right after a
// navigation chromedp may still hold the previous document's nodes, whose
// ids the browser no longer knows ("No node with given id found").
func PageText() chromedp.Action[string] {
	return chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)
}

// WithoutJavaScript turns scripts off in the tab ctx, for pages that must
// work without them; it fails t if the browser refuses.
func WithoutJavaScript(t testing.TB, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("turning JavaScript off: %v", err)
	}
}
