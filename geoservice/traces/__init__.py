"""TRACES V3 (EUDR Information System) integration: model, GeoJSON, SOAP client and simulator.

Entry points: ``client.TracesClient`` (real service), ``simulator.TracesSimulator`` with
``simulator_server.run_simulator`` (in-process), ``geojson.build_producer_geojson`` and
``limits.check_limits``; all implement or serve ``protocol.TracesService``.
"""
