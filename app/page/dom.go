package page

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// setControlValue sets the value property of the form control with the
// given id. Forms call it when they load, reset or change a control's text,
// because go-app does not write an empty value and renderedValue keeps a
// focused control's own text.
func setControlValue(id, value string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("value", value)
	}
}

// renderedValue returns the value that Render gives the text control with
// the given id: state, or the control's own value while it has the focus.
// go-app may render before it runs the input handler of a key that is
// already in the control, and rendering state would then erase that key.
//
// While go-app's loading screen (#app-wasm-loader) is present, the focused
// control belongs to the server-rendered page, so state is returned.
func renderedValue(id, state string) string {
	if app.IsServer {
		return state
	}
	document := app.Window().Get("document")
	if document.Call("getElementById", "app-wasm-loader").Truthy() {
		return state
	}
	active := document.Get("activeElement")
	if active.Truthy() && active.Get("id").String() == id {
		return active.Get("value").String()
	}
	return state
}

// focus moves the keyboard focus to the element with the given id.
func focus(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}
