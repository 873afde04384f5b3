package graph

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"customevents/api/graph/model"
	"customevents/app/apitype"
	"customevents/db"
)

// A mutation runs its root fields one after another, and triggerCustomEvent
// returns a non-null ID. So when one of several triggerCustomEvent fields
// of a request fails, GraphQL sends data null, and the client cannot see
// the ids of the fields that ran before and stored their events. A retry
// without idempotency keys would then store those events twice. To avoid
// that, the first triggerCustomEvent field of such a request checks every
// triggerCustomEvent field of the request before anything is stored, and
// when one fails, none of them stores anything. This holds for requests
// whose root fields are all triggerCustomEvent (or __typename). Another
// mutation field, such as createCustomEvent, may change what a later
// trigger finds, so a request with one runs its fields in order as
// GraphQL defines.
//
// The check covers what fails for sure: invalid input, an occurredAt out
// of bounds, a slug that the account lacks, and an idempotency key that
// another input claimed, in an earlier request or in an earlier field of
// this one. A field whose key a trigger with the same input claimed is a
// retry, which returns the stored event whatever its occurredAt or slug
// are now, so it passes. When every field passes, the check looks up the
// events of the retries, stores the events of the other fields in one
// transaction, and each field then returns its event. So a database
// error, or another request that claims a key meanwhile, fails every
// field too.

// triggerFieldsCheck is the outcome of that check for one request.
type triggerFieldsCheck struct {
	once sync.Once
	// failures maps the response name (the alias, or else the name) of
	// each field that failed the check to its error.
	failures map[string]error
	// first is the response name of the first field that failed.
	first string
	// now is the time against which the check bounded occurredAt, and
	// against which the fields bound it again when they run, so that a
	// field at the bound cannot pass the check and fail later. It is zero
	// when the request was not checked.
	now time.Time
	// stored maps the response name of each field to its event, which
	// the check stored or, for a retry, read. It is nil unless every
	// field has its event.
	stored map[string]*db.EventOccurrence
}

type triggerFieldsCheckKey struct{}

// withTriggerFieldsCheck returns ctx with a new check, for one operation.
func withTriggerFieldsCheck(ctx context.Context) context.Context {
	return context.WithValue(ctx, triggerFieldsCheckKey{}, &triggerFieldsCheck{})
}

// checkTriggerFields returns the event that the check of the request
// stored for the triggerCustomEvent field that runs with ctx, if it did.
// When the check failed, it returns the field's own error, or an error
// naming the field that failed. With neither, the field stores its event
// itself.
func (r *Resolver) checkTriggerFields(ctx context.Context, account *db.Account) (*db.EventOccurrence, error) {
	check, _ := ctx.Value(triggerFieldsCheckKey{}).(*triggerFieldsCheck)
	if check == nil {
		return nil, nil
	}
	check.once.Do(func() { r.runTriggerFieldsCheck(ctx, account, check) })
	alias := graphql.GetFieldContext(ctx).Field.Alias
	if occurrence, ok := check.stored[alias]; ok {
		return occurrence, nil
	}
	if len(check.failures) == 0 {
		return nil, nil
	}
	if err, ok := check.failures[alias]; ok {
		return nil, err
	}
	return nil, &siblingFailedError{field: check.first}
}

// siblingFailedError is the error of a triggerCustomEvent field that was
// not stored because another field of its request failed the check. It
// names that field in the message only: no input field of its own is at
// fault, so the error has no extensions.field.
type siblingFailedError struct {
	// field is the response name of the field that failed.
	field string
}

func (e *siblingFailedError) Error() string {
	return fmt.Sprintf("Not stored, because the field %s of this request failed, and the triggerCustomEvent fields of one request store their events all or none: fix %s and send the whole request again.",
		e.field, e.field)
}

// loggedFieldsError is an internal error of every triggerCustomEvent
// field of a checked request, which the check has logged once. The error
// presenter sends it as an internal error without logging it per field.
type loggedFieldsError struct {
	err error
}

func (e *loggedFieldsError) Error() string { return e.err.Error() }

func (e *loggedFieldsError) Unwrap() error { return e.err }

// triggerTime returns the time against which the trigger that runs with
// ctx bounds its occurredAt: that of its request's check, if the request
// was checked, or else the current time.
func triggerTime(ctx context.Context) time.Time {
	if check, _ := ctx.Value(triggerFieldsCheckKey{}).(*triggerFieldsCheck); check != nil && !check.now.IsZero() {
		return check.now
	}
	return time.Now()
}

// runTriggerFieldsCheck checks the triggerCustomEvent fields of the
// operation in ctx when it has two or more and no other mutation field,
// and fills check.
func (r *Resolver) runTriggerFieldsCheck(ctx context.Context, account *db.Account, check *triggerFieldsCheck) {
	opCtx := graphql.GetOperationContext(ctx)
	if opCtx.Operation == nil || opCtx.Operation.Operation != ast.Mutation {
		return
	}
	var triggers []graphql.CollectedField
	for _, field := range graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, []string{"Mutation"}) {
		switch field.Name {
		case "triggerCustomEvent":
			triggers = append(triggers, field)
		case "__typename":
		default:
			return
		}
	}
	if len(triggers) < 2 {
		return
	}
	check.now = time.Now()
	inputs, retries, errs := r.fieldErrors(ctx, account, opCtx, triggers, check.now)
	for i, field := range triggers {
		if errs[i] != nil {
			check.fail(field, errs[i])
		}
	}
	if check.failures == nil {
		r.storeTriggerFields(ctx, account, check, triggers, inputs, retries)
	}
}

// fail records err as the error of field.
func (c *triggerFieldsCheck) fail(field graphql.CollectedField, err error) {
	if c.failures == nil {
		c.failures = map[string]error{}
		c.first = field.Alias
	}
	c.failures[field.Alias] = err
}

// failAll records err, which no field's input caused, as the error of
// every field. It logs an internal error once, not once per field.
func (r *Resolver) failAll(ctx context.Context, account *db.Account, check *triggerFieldsCheck, fields []graphql.CollectedField, err error) {
	_, _, _, known := classify(err)
	switch {
	case known:
	case clientLeft(ctx, err):
		r.log.InfoContext(ctx, "triggerCustomEvent fields stopped: client left",
			"error", err,
			"fields", len(fields),
			"account_id", account.ID,
			"request_id", requestID(ctx))
		err = &loggedFieldsError{err: err}
	default:
		r.log.ErrorContext(ctx, "triggerCustomEvent fields failed",
			"error", err,
			"fields", len(fields),
			"account_id", account.ID,
			"request_id", requestID(ctx),
			"operation", operationName(ctx))
		err = &loggedFieldsError{err: err}
	}
	for _, field := range fields {
		check.fail(field, err)
	}
}

// storeTriggerFields stores the events of fields, which passed the check,
// with inputs their triggers, and fills check.stored, or check.failures
// when the write fails. The retries read the events that their keys are
// bound to first, so that no field can fail after the others' events
// were stored.
func (r *Resolver) storeTriggerFields(ctx context.Context, account *db.Account, check *triggerFieldsCheck, fields []graphql.CollectedField, inputs []db.Trigger, retries []bool) {
	stored := make(map[string]*db.EventOccurrence, len(fields))
	var writeFields, retryFields []graphql.CollectedField
	var batch, retryTriggers []db.Trigger
	for i, field := range fields {
		if retries[i] {
			retryFields = append(retryFields, field)
			retryTriggers = append(retryTriggers, inputs[i])
			continue
		}
		writeFields = append(writeFields, field)
		batch = append(batch, inputs[i])
	}
	if len(retryTriggers) > 0 {
		found, err := r.store.RepeatedTriggers(ctx, account.ID, retryTriggers)
		if err != nil {
			r.failAll(ctx, account, check, fields, err)
			return
		}
		for j, field := range retryFields {
			if found[j] != nil {
				stored[field.Alias] = found[j]
				continue
			}
			// The key's event was deleted, or the key expired, since
			// the check read it, so the field stores its event anew.
			if verr := checkOccurredAt(retryTriggers[j], check.now); verr != nil {
				check.fail(field, verr)
				return
			}
			writeFields = append(writeFields, field)
			batch = append(batch, retryTriggers[j])
		}
	}

	var occurrences []*db.EventOccurrence
	var err error
	if len(batch) > 0 {
		occurrences, err = r.store.RecordEventsTogether(ctx, r.log, batch)
	}
	var failed *db.TriggerError
	switch {
	case errors.As(err, &failed) && isInputError(failed.Err):
		check.fail(writeFields[failed.Index], failed.Err)
	case errors.As(err, &failed):
		// The field's input is not at fault, so every field, retries
		// too, gets the error.
		r.failAll(ctx, account, check, fields, failed.Err)
	case err != nil:
		r.failAll(ctx, account, check, fields, err)
	default:
		for i, field := range writeFields {
			stored[field.Alias] = occurrences[i]
		}
		check.stored = stored
	}
}

// fieldErrors returns, at the index of each triggerCustomEvent field, its
// trigger, whether it retries a trigger with the same input and key, and
// the error that it would fail with for sure, or nil. Arguments that do
// not decode are rejected before any field runs, so a decode error here
// is unexpected, and it too marks the field as failed.
func (r *Resolver) fieldErrors(ctx context.Context, account *db.Account, opCtx *graphql.OperationContext, fields []graphql.CollectedField, now time.Time) (triggers []db.Trigger, retries []bool, errs []error) {
	errs = make([]error, len(fields))
	retries = make([]bool, len(fields))
	triggers = make([]db.Trigger, len(fields))
	ec := newExecutionContext(opCtx, r.schema, nil)
	for i, field := range fields {
		triggers[i], errs[i] = decodeTriggerField(ctx, ec, account, field.ArgumentMap(opCtx.Variables))
	}
	states, err := r.store.IdempotencyKeyStates(ctx, account.ID, triggers)
	if err != nil {
		// Without the states no field can be checked for sure.
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return triggers, retries, errs
	}
	// claimed holds the index of the first field of this request with
	// each key that no earlier request claimed.
	claimed := map[string]int{}
	for i, t := range triggers {
		if errs[i] != nil {
			continue
		}
		if t.IdempotencyKey != "" {
			switch states[i] {
			case db.KeySameInput:
				retries[i] = true
				continue
			case db.KeyOtherInput:
				errs[i] = db.IdempotencyConflict(t.IdempotencyKey)
				continue
			}
			if first, ok := claimed[t.IdempotencyKey]; ok {
				if !triggers[first].SameInput(t) {
					errs[i] = &db.ConflictError{
						Message: fmt.Sprintf("Idempotency key %q is also the key of the field %s of this request, whose trigger differs: give each trigger its own key, or send the same input in both.", t.IdempotencyKey, fields[first].Alias),
						Err:     db.ErrIdempotencyConflict,
					}
				}
				continue
			}
			claimed[t.IdempotencyKey] = i
		}
		if verr := checkOccurredAt(t, now); verr != nil {
			errs[i] = verr
			continue
		}
		errs[i] = r.store.CheckTriggerSlug(ctx, account.ID, t.Slug)
	}
	return triggers, retries, errs
}

// decodeTriggerField returns the trigger of the triggerCustomEvent field
// with the arguments rawArgs, or the error of invalid input.
func decodeTriggerField(ctx context.Context, ec *executionContext, account *db.Account, rawArgs map[string]any) (db.Trigger, error) {
	args, err := ec.field_Mutation_triggerCustomEvent_args(ctx, rawArgs)
	if err != nil {
		return db.Trigger{}, err
	}
	input, ok := args["input"].(model.TriggerCustomEventInput)
	if !ok {
		return db.Trigger{}, fmt.Errorf("decode triggerCustomEvent input: got %T, want model.TriggerCustomEventInput", args["input"])
	}
	t, verr := newTrigger(account, &input)
	if verr != nil {
		return db.Trigger{}, verr
	}
	return t, nil
}

// isInputError reports whether err is an error of a trigger's input that
// the client can fix, such as an idempotency key that another request
// claimed: invalid input, a missing custom event or a conflict.
func isInputError(err error) bool {
	code, _, _, ok := classify(err)
	return ok && (code == apitype.CodeBadUserInput || code == apitype.CodeNotFound || code == apitype.CodeConflict)
}
