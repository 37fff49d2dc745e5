require 'openai'
require 'json'
