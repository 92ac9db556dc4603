"""The command room (监督指挥): the big screen's snapshot and live delta, cameras and video reports,
inspectors' patrols. Reads only the stored summaries (``cases``, ``tasks``, ``case_events``):
a wall screen watched all day must never run the engine."""
