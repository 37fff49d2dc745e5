using System;
using Azure.AI.OpenAI;
using Microsoft.OpenApi.Models;
