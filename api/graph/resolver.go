// Package graph serves the public GraphQL API: custom event definitions,
// their triggers and their statistics, for the account that the request's
// API key belongs to.
package graph

//go:generate go tool gqlgen generate --config gqlgen.yml

import (
	"log/slog"
	"strconv"
	"strings"

	"customevents/api/graph/model"
	"customevents/app/apitype"
	"customevents/db"
)

// Resolver is the root resolver. It holds only shared dependencies, because
// NewHandler puts each request's account in the context.
type Resolver struct {
	store *db.Store
	log   *slog.Logger
	// schema decodes the arguments of fields that have not run yet, such
	// as the later triggerCustomEvent fields of a request.
	schema *executableSchema
}

func customEventModel(event *db.CustomEvent) *model.CustomEvent {
	return &model.CustomEvent{
		ID:           strconv.FormatInt(event.ID, 10),
		Name:         event.Name,
		Slug:         event.Slug,
		Description:  event.Description,
		IsConversion: event.IsConversion,
		CreatedAt:    event.CreatedAt.UTC(),
		UpdatedAt:    event.UpdatedAt.UTC(),
		Actions:      eventActionsModel(event.ActionConfig()),
	}
}

// eventActionsModel returns the GraphQL form of an event's action setup.
// The enum values are the stored values in upper case.
func eventActionsModel(ea apitype.EventActions) *model.EventActions {
	return &model.EventActions{
		Mode:          model.ActionMode(strings.ToUpper(ea.Mode)),
		Frequency:     model.ActionFrequency(strings.ToUpper(ea.Frequency)),
		FrequencyDays: ea.FrequencyDays,
		ActionSetID:   ea.ActionSetID,
	}
}

func customEventInput(in model.CustomEventInput) apitype.CustomEventInput {
	return apitype.CustomEventInput{
		Name:         in.Name,
		Slug:         in.Slug,
		Description:  in.Description,
		IsConversion: in.IsConversion,
	}
}
