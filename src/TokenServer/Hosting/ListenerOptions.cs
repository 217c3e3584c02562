namespace TokenCenter.Server.Hosting;

/// <summary>
/// The two listeners (section <c>Listeners</c>). gRPC runs on HTTP/2 only (h2c, or TLS with ALPN);
/// the web faces (health, metrics, status page, WeChat-compatible endpoints, callbacks) on
/// HTTP/1.1 (plus HTTP/2 over TLS, by ALPN), because browsers, scrapers and WeChat's callbacks speak HTTP/1.1.
/// </summary>
public sealed class ListenerOptions
{
    /// <summary>gRPC listener. Default <c>http://0.0.0.0:5001</c> (Development: 127.0.0.1).</summary>
    public string Grpc { get; set; } = "http://0.0.0.0:5001";

    /// <summary>Web listener. Default <c>http://0.0.0.0:5000</c> (Development: 127.0.0.1).</summary>
    public string Web { get; set; } = "http://0.0.0.0:5000";

    /// <summary>
    /// Optional admin listener (HTTP/1.1) for the status page, <c>/status.json</c> and <c>/metrics</c>
    /// without an API key. Must be bound to loopback (e.g. <c>http://127.0.0.1:5002</c>). Default: none.
    /// </summary>
    public string? Admin { get; set; }

    /// <summary>PFX certificate for https:// listeners (path; mount it from a secret).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of <see cref="CertificatePath"/>, if any.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Whether https:// listeners ask for (and then require) a client certificate (mTLS).</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>
    /// Certificate (PEM or DER) of the authority that signs client certificates. When set, a client
    /// certificate is accepted only if it chains to this authority (custom root trust); otherwise the
    /// operating system's trust store decides.
    /// </summary>
    public string? ClientCertificateAuthorityPath { get; set; }
}
