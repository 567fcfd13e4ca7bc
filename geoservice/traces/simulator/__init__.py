"""The stand-in for TRACES: what the tests and ``geoservice traces-sim`` talk to instead.

Everything that talks to the real TRACES lives beside this package (``client``, ``envelope``,
``wsse``, ``responses``); what both sides must agree on is shared (``model``, ``rules``,
``geocheck``, ``limits``), and the contract suite (tests/traces/test_contract.py) runs one set
of tests over the client against this simulator and against the EC acceptance service.

``core.TracesSimulator`` answers SOAP requests (WS-Security, throttling, XSD structure, the
business rules, faults to inject); ``store`` keeps the statements' lifecycle; ``handlers``
runs each operation; ``schema`` and ``wire`` read and write the XML; ``server`` serves it
over HTTP.
"""

from geoservice.traces.simulator.core import DEFAULT_ACCOUNTS, TracesSimulator

__all__ = ["DEFAULT_ACCOUNTS", "TracesSimulator"]
