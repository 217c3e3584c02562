namespace TokenCenter.Server.Ops.Tests.Support;

/// <summary>One server for the read-mostly tests: auth on (reader, forcer, ops keys), two good apps and one whose secret WeChat rejects.</summary>
public sealed class StandardServerFixture : IAsyncLifetime
{
    public TestServerHost Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await OpsServerDefaults.StartAsync(TestKeys.Standard(withBadApp: true), admin: true);

        // The bad app's first refresh has failed (and its error is recorded) once GetToken answers UNAVAILABLE.
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.GetTokenAsync(TestKeys.BadApp));
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, ex.StatusCode);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
