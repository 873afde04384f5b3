package graph

import (
	"context"
	"reflect"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// codeComplexityLimitExceeded is the extensions.code of an operation over
// the complexity limit, the code that gqlgen's own limit uses.
const codeComplexityLimitExceeded = "COMPLEXITY_LIMIT_EXCEEDED"

// triggerInputsPerPoint is how many triggerCustomEvents inputs count as 1
// of complexity. A full batch of maxBatchTriggers inputs then takes the
// whole maxComplexity, so one request carries at most maxBatchTriggers
// inputs across all its trigger fields.
const triggerInputsPerPoint = maxBatchTriggers / maxComplexity

// contactDataWeight is the least complexity of a contactData field. Its
// occurrences have no page size, so one field can return megabytes, and
// aliases would multiply that: with half of maxComplexity each, one
// request reads at most two contacts.
const contactDataWeight = maxComplexity / 2

func init() {
	// gqlgen sends errors with codes it does not know with HTTP status 200.
	// Registered as a protocol error, the code gets 422, as the parse,
	// validation, size and depth errors do.
	errcode.RegisterErrorType(codeComplexityLimitExceeded, errcode.KindProtocol)
}

// complexityLimit is a gqlgen extension that rejects an operation whose
// complexity is more than max. Each field counts 1 plus the complexity of
// its selection, and a triggerCustomEvents field counts at least 1 for
// every triggerInputsPerPoint inputs.
type complexityLimit struct {
	max    int
	schema graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &complexityLimit{}

func (*complexityLimit) ExtensionName() string {
	return "ComplexityLimit"
}

func (c *complexityLimit) Validate(schema graphql.ExecutableSchema) error {
	c.schema = schema
	return nil
}

// MutateOperationContext runs after validation and after sizeLimit, which
// bounds the walk through fragment spreads.
func (c *complexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	weights := &triggerWeights{ExecutableSchema: c.schema}
	total := complexity.Calculate(ctx, weights, opCtx.Operation, opCtx.Variables)
	if total <= c.max {
		return nil
	}
	var err *gqlerror.Error
	if weights.inputs > maxBatchTriggers {
		err = gqlerror.Errorf("Operation sends %d trigger inputs, more than the maximum of %d in one request: send the others in another request.",
			weights.inputs, maxBatchTriggers)
	} else {
		err = gqlerror.Errorf("Operation has a complexity of %d, more than the maximum of %d: select fewer fields, or split the operation into several requests. Each field counts 1, triggerCustomEvents counts 1 for every %d inputs, and contactData counts %d.",
			total, c.max, triggerInputsPerPoint, contactDataWeight)
	}
	errcode.Set(err, codeComplexityLimitExceeded)
	return err
}

// triggerWeights wraps the schema for complexity.Calculate. It gives
// triggerCustomEvents the weight of its inputs and contactData at least
// contactDataWeight, and counts the trigger inputs of the operation, a
// triggerCustomEvent field as one.
//
// It reads the length of the raw inputs argument. The generated
// ComplexityRoot functions would convert every input to its Go type first,
// once for each alias, before the request is rejected.
type triggerWeights struct {
	graphql.ExecutableSchema
	inputs int
}

func (w *triggerWeights) Complexity(ctx context.Context, typeName, fieldName string, childComplexity int, args map[string]any) (int, bool) {
	if typeName == "Mutation" && fieldName == "triggerCustomEvent" {
		w.inputs++
	}
	if typeName == "Mutation" && fieldName == "triggerCustomEvents" {
		n := listLength(args["inputs"])
		w.inputs += n
		// A list of more than maxBatchTriggers weighs no more than a full
		// one, so that the resolver, which rejects it, can name the
		// argument in its error.
		weight := (min(n, maxBatchTriggers) + triggerInputsPerPoint - 1) / triggerInputsPerPoint
		return max(1+childComplexity, weight), true
	}
	if typeName == "Query" && fieldName == "contactData" {
		return max(1+childComplexity, contactDataWeight), true
	}
	return w.ExecutableSchema.Complexity(ctx, typeName, fieldName, childComplexity, args)
}

// listLength returns the number of items of a list argument. GraphQL reads
// a single value where a list is expected as a list of one.
func listLength(value any) int {
	if value == nil {
		return 0
	}
	v := reflect.ValueOf(value)
	if v.Kind() == reflect.Slice {
		return v.Len()
	}
	return 1
}
