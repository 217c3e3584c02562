var builder = WebApplication.CreateBuilder(args);
builder.AddTokenServer();

var app = builder.Build();
app.MapTokenServer();
app.Run();
