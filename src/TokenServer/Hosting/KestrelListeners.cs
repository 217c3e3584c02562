using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace TokenCenter.Server.Hosting;

/// <summary>Binds the gRPC and web listeners on Kestrel from <see cref="ListenerOptions"/>.</summary>
internal static class KestrelListeners
{
    public static void Configure(KestrelServerOptions kestrel, ListenerOptions options, ListenerAddresses addresses)
    {
        Bind(kestrel, "Listeners:Grpc", options.Grpc, HttpProtocols.Http2, options, addresses, ListenerAddresses.Names.Grpc);
        // Plaintext HTTP/2 needs prior knowledge, which browsers and WeChat do not have: web is HTTP/1.1 unless TLS.
        Bind(kestrel, "Listeners:Web", options.Web, HttpProtocols.Http1, options, addresses, ListenerAddresses.Names.Web);
        if (!string.IsNullOrWhiteSpace(options.Admin))
        {
            if (!Uri.TryCreate(options.Admin, UriKind.Absolute, out var admin) || admin.Scheme != "http"
                || !(admin.Host == "localhost" || (IPAddress.TryParse(admin.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip))))
            {
                throw new InvalidOperationException($"Listeners:Admin '{options.Admin}' must be an http:// address on loopback (127.0.0.1, [::1] or localhost): it serves operator data without an API key.");
            }

            Bind(kestrel, "Listeners:Admin", options.Admin, HttpProtocols.Http1, options, addresses, ListenerAddresses.Names.Admin);
        }
    }

    private static void Bind(KestrelServerOptions kestrel, string key, string url, HttpProtocols protocols, ListenerOptions options, ListenerAddresses addresses, string name)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
        {
            throw new InvalidOperationException($"{key} '{url}' is not a valid listener address: expected http://host:port or https://host:port.");
        }

        var tls = uri.Scheme == "https";
        if (tls && string.IsNullOrEmpty(options.CertificatePath))
        {
            throw new InvalidOperationException($"{key} uses https but Listeners:CertificatePath is not set.");
        }

        void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
        {
            addresses.Add(name, uri, listen);
            // With TLS, ALPN lets one port serve HTTP/1.1 and HTTP/2.
            listen.Protocols = tls ? HttpProtocols.Http1AndHttp2 : protocols;
            if (tls)
            {
                var certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath!, options.CertificatePassword);
                var https = new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateMode = options.RequireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                };
                if (options.RequireClientCertificate && !string.IsNullOrEmpty(options.ClientCertificateAuthorityPath))
                {
                    https.ClientCertificateValidation = ClientCertificateTrust.ChainsTo(X509CertificateLoader.LoadCertificateFromFile(options.ClientCertificateAuthorityPath));
                }

                listen.UseHttps(https);
            }
        }

        var host = uri.Host;
        if (host is "*" or "+" or "0.0.0.0" or "[::]")
        {
            kestrel.ListenAnyIP(uri.Port, Configure);
        }
        else if (host == "localhost")
        {
            if (uri.Port == 0)
            {
                throw new InvalidOperationException($"{key} '{url}': port 0 (a port chosen at bind time) needs an IP address such as 127.0.0.1, not localhost.");
            }

            kestrel.ListenLocalhost(uri.Port, Configure);
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            kestrel.Listen(ip, uri.Port, Configure);
        }
        else
        {
            throw new InvalidOperationException($"{key} host '{host}' must be an IP address, localhost or 0.0.0.0.");
        }
    }
}
