"""Card payment gateways behind one interface, chosen by the CARD_GATEWAY setting. The SADAD bank
channel needs no provider: banks call the platform's signed integration API."""
