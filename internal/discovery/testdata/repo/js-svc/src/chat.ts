import Anthropic from "@anthropic-ai/sdk";
import { OpenAPIV3 } from "openapi-types";
const { Ollama } = require("ollama");
// import OpenAI from "openai";
const base = process.env.ANTHROPIC_API_KEY;
