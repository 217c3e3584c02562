using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace TokenCenter.Server.Hosting;

/// <summary>Client-certificate validation against one configured authority (mTLS without the OS trust store).</summary>
internal static class ClientCertificateTrust
{
    public static Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool> ChainsTo(X509Certificate2 authority) =>
        (certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate);
        };
}
