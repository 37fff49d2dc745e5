import os
from openai import OpenAI
import numpy as np, torch
from langchain_core.prompts import ChatPromptTemplate
from google.generativeai import types
# We may try transformers later.
"""transformers is mentioned in this docstring only"""
client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
ENDPOINT = "https://myres.openai.azure.com/openai/deployments/gpt"
bedrock = boto3.client("bedrock-runtime")
