using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TokenCenter.Protocol;
using TokenCenter.Server.Ops.Tests.Support;

namespace TokenCenter.Server.Ops.Tests;

/// <summary>TLS and mutual TLS on the gRPC listener, with certificates made in the test.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokencenter-tls-").FullName;

    [Fact]
    public async Task With_mTLS_a_client_certificate_from_the_configured_authority_is_required()
    {
        using var ca = MakeCa();
        using var serverCert = Issue(ca, "localhost", server: true);
        using var clientCert = Issue(ca, "billing-service", server: false);
        using var stranger = SelfSigned("stranger");
        var pfx = Path.Combine(_dir, "server.pfx");
        await File.WriteAllBytesAsync(pfx, serverCert.Export(X509ContentType.Pfx, "pfx-password"));
        var caPath = Path.Combine(_dir, "ca.crt");
        await File.WriteAllTextAsync(caPath, ca.ExportCertificatePem());

        var settings = TestKeys.Standard();
        settings["Listeners:Grpc"] = "https://127.0.0.1:0";
        settings["Listeners:CertificatePath"] = pfx;
        settings["Listeners:CertificatePassword"] = "pfx-password";
        settings["Listeners:RequireClientCertificate"] = "true";
        settings["Listeners:ClientCertificateAuthorityPath"] = caPath;
        await using var server = await OpsServerDefaults.StartAsync(settings, waitReady: false);

        var trusted = server.CreateChannel(Handler(ca, clientCert));
        var token = await trusted.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ReaderKey, TimeSpan.FromSeconds(30)));
        Assert.Equal(TestKeys.App, token.Key.AppId);

        var anonymous = server.CreateChannel(Handler(ca, null));
        await Assert.ThrowsAnyAsync<Exception>(() => anonymous.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ReaderKey)));

        var foreign = server.CreateChannel(Handler(ca, stranger));
        await Assert.ThrowsAnyAsync<Exception>(() => foreign.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(TestKeys.ReaderKey)));

        // The certificate is transport security; the API key is still needed.
        var ex = await Assert.ThrowsAsync<RpcException>(() => trusted.UnaryAsync(TokenCenterMethods.GetToken, OpsCalls.Get(TestKeys.App), OpsCalls.As(null)));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SocketsHttpHandler Handler(X509Certificate2 ca, X509Certificate2? client)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return cert is not null && chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
        };
        if (client is not null)
        {
            handler.SslOptions.ClientCertificates = [client];
        }

        return handler;
    }

    private static X509Certificate2 MakeCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=TokenCenter test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = TimeProvider.System.GetUtcNow();
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        var now = TimeProvider.System.GetUtcNow();
        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        using var issued = request.Create(ca, now.AddHours(-1), now.AddDays(7), serial);
        var withKey = issued.CopyWithPrivateKey(key);
        // Round-trip through PFX so SChannel/OpenSSL can use the key for client auth.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = TimeProvider.System.GetUtcNow();
        using var cert = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }
}
