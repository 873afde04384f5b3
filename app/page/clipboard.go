package page

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// copyText writes text to the clipboard and then calls done on the UI
// goroutine, through ctx, with the status to show next to the button.
func copyText(ctx app.Context, text string, done func(status string)) {
	clipboard := app.Window().Get("navigator").Get("clipboard")
	if !clipboard.Truthy() {
		done("Copying is not available here: select the text and copy it by hand.")
		return
	}
	var onDone, onFail app.Func
	release := func() {
		onDone.Release()
		onFail.Release()
	}
	onDone = app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(func(app.Context) { done("Copied.") })
		release()
		return nil
	})
	onFail = app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(func(app.Context) { done("Copying was blocked by the browser: select the text and copy it by hand.") })
		release()
		return nil
	})
	clipboard.Call("writeText", text).Call("then", onDone, onFail)
}

// formatTimestamp formats a time in UTC to the second, such as
// 2026-05-02 09:30:00 UTC.
func formatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}
