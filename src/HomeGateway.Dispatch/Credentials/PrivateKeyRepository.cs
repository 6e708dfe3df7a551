using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Credentials;

/// <summary>
/// The session-cookie and antiforgery keys in <c>DataDirectory/keys</c>: whoever reads them can forge any console
/// session. The framework's repository creates its directory and files with the process umask; this one creates the
/// directory 0700 and takes group and other permissions off each key file as soon as it is written.
/// </summary>
internal sealed class PrivateKeyRepository(string directory, ILoggerFactory loggers) : IXmlRepository
{
    private readonly FileSystemXmlRepository inner = new(Directory(directory), loggers);

    public IReadOnlyCollection<XElement> GetAllElements() => inner.GetAllElements();

    public void StoreElement(XElement element, string friendlyName)
    {
        inner.StoreElement(element, friendlyName);
        PrivateFiles.Tighten(directory);
    }

    private static DirectoryInfo Directory(string directory)
    {
        // The data directory first: creating keys/ would make a missing parent with the umask's mode.
        PrivateFiles.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(directory))!);
        PrivateFiles.CreateDirectory(directory);
        return new DirectoryInfo(directory);
    }
}
