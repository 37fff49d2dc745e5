<?php
use OpenAI\Client;
use Illuminate\Support\Str;
