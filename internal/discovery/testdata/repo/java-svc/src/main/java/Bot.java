package bot;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.openapitools.client.ApiClient;
class Bot {}
