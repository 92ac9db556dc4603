"""Standards (标准): the classification of components and events (部件/事件 大类/小类, with the departments
that handle them) and the filing and closing standards (立案结案标准), shipped as CSV in ``data/``."""
