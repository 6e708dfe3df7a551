using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Reads the certificate, key and secret files named in the MQTT settings. Every failure is an
/// <see cref="InvalidDataException"/> or IO exception whose message names the file, so start-up validation can pass it on.
/// </summary>
internal static class MqttCertificates
{
    /// <summary>The embedded broker's TLS certificate with its private key, from PEM files or a PFX.</summary>
    public static X509Certificate2 LoadServerCertificate(MqttListenerTlsOptions tls)
    {
        if (tls.PfxFile is { Length: > 0 } pfx)
        {
            var password = tls.PfxPasswordFile is { Length: > 0 } passwordFile ? ReadSecretFile(passwordFile) : null;
            try
            {
                var certificate = X509CertificateLoader.LoadPkcs12FromFile(pfx, password);
                return certificate.HasPrivateKey ? certificate : throw new InvalidDataException($"{pfx} holds no private key");
            }
            catch (CryptographicException ex)
            {
                throw new InvalidDataException($"{pfx} is not a PKCS#12 file this password opens: {ex.Message}", ex);
            }
        }

        return LoadPemPair(tls.CertificateFile ?? "", tls.KeyFile ?? "");
    }

    /// <summary>A certificate (PEM) with its key (PEM), re-imported so TLS can use the key on any platform.</summary>
    public static X509Certificate2 LoadPemPair(string certificateFile, string keyFile)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            // A PEM-loaded key is ephemeral; SslStream wants a key it can hand to the TLS stack, which a PKCS#12 round trip gives.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new InvalidDataException($"{certificateFile} with key {keyFile} could not be read as a PEM certificate and its private key: {ex.Message}", ex);
        }
    }

    /// <summary>The CA certificates in a PEM file (one or more).</summary>
    public static X509Certificate2Collection LoadCertificateAuthorities(string file)
    {
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(file);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"{file} could not be read as PEM certificates: {ex.Message}", ex);
        }

        return cas.Count > 0 ? cas : throw new InvalidDataException($"{file} holds no PEM certificate");
    }

    /// <summary>A secret kept in its own file (first line, without the line break), never in appsettings.</summary>
    public static string ReadSecretFile(string file)
    {
        var text = File.ReadAllText(file);
        var end = text.IndexOfAny(['\r', '\n']);
        var secret = end < 0 ? text : text[..end];
        return secret.Length > 0 ? secret : throw new InvalidDataException($"{file} is empty: its first line must be the secret");
    }

    /// <summary>True when users other than the owner and group may read the file (a secret must not be).</summary>
    public static bool IsReadableByOthers(string file) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & UnixFileMode.OtherRead) != 0;
}
