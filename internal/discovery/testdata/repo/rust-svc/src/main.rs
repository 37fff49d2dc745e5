use async_openai::Client;
use serde::Deserialize;
