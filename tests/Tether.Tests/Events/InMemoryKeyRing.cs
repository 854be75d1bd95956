using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Tether.Tests.Events;

/// <summary>
/// A Data Protection key ring of one test app's own, kept in memory: a test that revokes keys touches no other app's
/// keys, and nothing is left on disk after the run.
/// </summary>
internal sealed class InMemoryKeyRing : IXmlRepository
{
    private readonly Lock _lock = new();
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_lock)
        {
            return [.. _elements.Select(e => new XElement(e))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_lock)
        {
            _elements.Add(new XElement(element));
        }
    }
}
