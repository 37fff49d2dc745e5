module example.com/gosvc

go 1.22

require (
	github.com/sashabaranov/go-openai v1.32.0
	github.com/getkin/kin-openapi v0.128.0
)
