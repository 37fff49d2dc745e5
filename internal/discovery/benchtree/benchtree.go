// Package benchtree writes a synthetic source tree for scanner benchmarks: many small source,
// config and documentation files in nested service directories, a few of which use AI.
package benchtree

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

var plainLines = []string{
	"import os", "import json", "from typing import Any", "import requests", "from django.db import models",
	"def handle(request):", "    return JsonResponse({'ok': True})", "class Order(models.Model):",
	"    name = models.CharField(max_length=100)", "for item in items:", "    total += item.price * item.quantity",
	"const express = require('express');", "import { Router } from 'express';", "export function add(a, b) { return a + b; }",
	"package main", "import \"net/http\"", "func main() { http.ListenAndServe(\":8080\", nil) }",
	"public class Service { private final Repository repo; }", "import org.springframework.web.bind.annotation.GetMapping;",
	"# Configuration for the payment service", "timeout: 30s", "retries: 3", "log_level: info",
	"The service exposes an OpenAPI description at /openapi.json for clients.", "See the architecture notes for details.",
	"    if err != nil { return fmt.Errorf(\"load: %w\", err) }", "SELECT id, name FROM customers WHERE active = true;",
}

// aiLines pairs a line that uses AI with the extension of a file it belongs in.
var aiLines = [][2]string{
	{"from openai import OpenAI", ".py"}, {"import torch", ".py"}, {"from transformers import pipeline", ".py"},
	{"import anthropic", ".py"}, {"import OpenAI from \"openai\";", ".ts"}, {"OPENAI_API_KEY=changeme", ".env"},
	{"base_url: https://api.mistral.ai/v1", ".yaml"}, {"from sklearn.ensemble import RandomForestClassifier", ".py"},
	{"from langchain_core.prompts import ChatPromptTemplate", ".py"},
}

var exts = []string{".py", ".js", ".go", ".java", ".md", ".yaml", ".json", ".ts", ".txt", ".rb"}

// Write creates n files under root; about one in fifty uses AI. It returns the bytes written.
func Write(root string, n int) (int64, error) {
	r := rand.New(rand.NewPCG(42, 7))
	var total int64
	var b strings.Builder
	for i := 0; i < n; i++ {
		dir := filepath.Join(root, fmt.Sprintf("svc%03d", i%100), fmt.Sprintf("pkg%02d", (i/100)%40))
		if i < 4000 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return total, err
			}
		}
		b.Reset()
		lines := 40 + r.IntN(160)
		for l := 0; l < lines; l++ {
			b.WriteString(plainLines[r.IntN(len(plainLines))])
			b.WriteByte('\n')
		}
		ext := exts[i%len(exts)]
		if i%50 == 7 {
			ai := aiLines[r.IntN(len(aiLines))]
			b.WriteString(ai[0])
			b.WriteByte('\n')
			ext = ai[1]
		}
		name := filepath.Join(dir, fmt.Sprintf("f%05d%s", i, ext))
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			return total, err
		}
		total += int64(b.Len())
	}
	return total, nil
}
