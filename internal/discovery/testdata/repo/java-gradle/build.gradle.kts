dependencies {
    implementation("org.springframework.ai:spring-ai-openai-spring-boot-starter:1.0.0")
    // implementation("ai.djl:api:0.30.0")
    implementation("org.openapitools:openapi-generator:7.0.0")
}
