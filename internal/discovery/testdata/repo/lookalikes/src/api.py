import openapi_spec_validator
from openapi_core import OpenAPI
import transformers_utils_local
import torchmetrics_fake
OPENAPI_KEY = "x"
spec_url = "https://api.openapi.com/spec"
coherent = "coherence is not cohere"
# from openai import OpenAI  (commented out)
