package main

import (
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	openai "github.com/sashabaranov/go-openai"
)

func main() { fmt.Println(openai.GPT4, openapi3.T{}) }
