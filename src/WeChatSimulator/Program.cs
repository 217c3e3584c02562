using WeChatSimulator;
using WeChatSimulator.Internal;

// Standalone simulator: dotnet run --project src/WeChatSimulator -- --urls http://127.0.0.1:5080
var builder = WebApplication.CreateBuilder(args);
StandaloneConfiguration.Apply(builder);
var app = builder.Build();
app.MapWeChatSimulator();
app.Run();
